import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodePayload, encodePayload } from '@anochat/protocol';
import type { MessagePayload } from '@anochat/schemas/e2e/payload';

/** The JSON lines of the fenced block after `<!-- marker -->` in docs/crypto.md. */
function documented(marker: string): Record<string, unknown>[] {
  const doc = readFileSync(new URL('../../docs/crypto.md', import.meta.url), 'utf8');
  const at = doc.indexOf(`<!-- ${marker} -->`);
  assert.ok(at >= 0, `docs/crypto.md has no ${marker} block`);
  const block = /```jsonl\n([\s\S]*?)\n```/.exec(doc.slice(at));
  assert.ok(block?.[1], `the ${marker} block is not a jsonl code block`);
  return block[1].split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
}

const BINARY_FIELDS = ['key', 'header', 'contentHash', 'preview'];
const fromHex = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));

/** A documented payload with its hex fields as bytes. */
function payloadOf(line: Record<string, unknown>): MessagePayload {
  const payload = { ...(line.payload as Record<string, unknown>) };
  for (const field of BINARY_FIELDS) {
    if (typeof payload[field] === 'string') payload[field] = fromHex(payload[field] as string);
  }
  return payload as unknown as MessagePayload;
}

describe('the payload test vectors of docs/crypto.md, against the real codec', () => {
  const vectors = documented('payload-vectors');
  const invalid = documented('payload-invalid');

  it('cover every payload type, a text with and without a reply, and bad encodings', () => {
    const types = vectors.map((line) => (line.payload as { type: string }).type);
    for (const type of ['text', 'edit', 'reaction', 'deletion', 'attachment']) {
      assert.ok(types.includes(type), `no vector for ${type}`);
    }
    assert.ok(vectors.some((line) => 'replyTo' in (line.payload as object)));
    assert.ok(invalid.length >= 5);
  });

  it('encode each documented payload to exactly its documented bytes', () => {
    for (const line of vectors) {
      const encoded = Buffer.from(encodePayload(payloadOf(line))).toString('hex');
      assert.equal(encoded, line.bytes, JSON.stringify(line.payload));
    }
  });

  it('decode each documented encoding to exactly its payload', () => {
    for (const line of vectors) {
      const decoded = decodePayload(fromHex(line.bytes as string));
      assert.ok(decoded.ok, JSON.stringify(line));
      assert.deepEqual(decoded.value, payloadOf(line));
    }
  });

  it('refuse each documented bad encoding as MALFORMED', () => {
    for (const line of invalid) {
      const decoded = decodePayload(fromHex(line.bytes as string));
      assert.equal(decoded.ok, false, `accepted: ${line.why}`);
      if (!decoded.ok) assert.equal(decoded.error.code, 'MALFORMED', String(line.why));
    }
  });
});
