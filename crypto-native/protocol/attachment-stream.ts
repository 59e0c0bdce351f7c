import { SecretStreamTag, type SyncNacl } from '@anochat/crypto-native';
import { ATTACHMENT_CHUNK_BYTES, ATTACHMENT_CHUNK_OVERHEAD } from '@anochat/schemas/e2e/limits';
import { utf8 } from './bytes.ts';
import { E2eError, type E2eErrorCode, type E2eResult, fail, ok } from './result.ts';

/**
 * Attachments encrypted on the device (docs/crypto.md, "Attachments"): a fresh 32-byte key per file,
 * libsodium's crypto_secretstream_xchacha20poly1305 over plaintext chunks of ATTACHMENT_CHUNK_BYTES
 * (only the last may be shorter, and only the last carries the FINAL tag; an empty file is one empty
 * FINAL chunk). The stored blob is the chunks' ciphertexts back to back; the stream header travels in
 * the descriptor, never in the blob. `contentHash` chains BLAKE2b-256 over the encrypted chunks
 * (h0 = BLAKE2b-256("anochat/v1/attachment"), h_i = BLAKE2b-256(key = h_{i-1}, chunk_i)), so it is
 * computed and checked chunk by chunk with the one-shot `generichash` of every provider, in constant
 * memory, whatever the file's size.
 *
 * Why refusals are certain: each chunk's nonce is the stream's counter, so a chunk moved to another
 * place, taken from another file (another key) or altered fails its MAC; a stream cut after any
 * chunk lacks the FINAL tag; bytes after FINAL are refused. No plaintext is handed out before its
 * chunk authenticated; a caller that shows a file waits for `finish()` (a truncation is known only
 * at the end).
 */

const ENCRYPTED_CHUNK_BYTES = ATTACHMENT_CHUNK_BYTES + ATTACHMENT_CHUNK_OVERHEAD;
const HASH_CONTEXT = utf8('anochat/v1/attachment');
const STREAM_OPERATIONS = [
  'secretstreamInitPush',
  'secretstreamPush',
  'secretstreamInitPull',
  'secretstreamPull',
] as const;

/** Size of the encrypted blob of a file of `size` bytes. */
export function encryptedAttachmentSize(size: number): number {
  const chunks = Math.max(1, Math.ceil(size / ATTACHMENT_CHUNK_BYTES));
  return size + chunks * ATTACHMENT_CHUNK_OVERHEAD;
}

/** Whether this provider can encrypt and decrypt attachments (the tweetnacl fallback cannot). */
export function supportsAttachments(nacl: SyncNacl): boolean {
  return STREAM_OPERATIONS.every((operation) => nacl.supports.has(operation));
}

function unsupported(nacl: SyncNacl): E2eResult<never> {
  return fail(
    'UNSUPPORTED',
    `the ${nacl.provider} provider has no secretstream: attachments need the WebAssembly build`,
  );
}

class ChainedHash {
  private value: Uint8Array;

  constructor(private readonly nacl: SyncNacl) {
    this.value = nacl.generichash(32, HASH_CONTEXT);
  }

  add(chunk: Uint8Array): void {
    this.value = this.nacl.generichash(32, chunk, this.value);
  }

  digest(): Uint8Array {
    return this.value.slice();
  }
}

/** What the sender puts into the descriptor once the last chunk is out. */
export interface SealedAttachment {
  key: Uint8Array;
  header: Uint8Array;
  size: number;
  contentHash: Uint8Array;
}

/**
 * Encrypts one file chunk by chunk: `push` takes plaintext of any slicing and returns the encrypted
 * chunks that became complete; `finish` returns the rest (the FINAL chunk) and the descriptor fields.
 */
export interface AttachmentEncryptor {
  readonly key: Uint8Array;
  readonly header: Uint8Array;
  push(plaintext: Uint8Array): Uint8Array[];
  finish(): { chunks: Uint8Array[]; sealed: SealedAttachment };
}

export function startAttachmentEncryption(nacl: SyncNacl): E2eResult<AttachmentEncryptor> {
  if (!supportsAttachments(nacl)) return unsupported(nacl);
  const key = nacl.randomBytes(32);
  const { state, header } = nacl.secretstreamInitPush(key);
  const hash = new ChainedHash(nacl);
  // One chunk held back: the last full chunk is FINAL when nothing follows it.
  let pending = new Uint8Array(0);
  let size = 0;
  let finished = false;
  const seal = (plaintext: Uint8Array, tag: SecretStreamTag): Uint8Array => {
    const chunk = nacl.secretstreamPush(state, plaintext, tag);
    hash.add(chunk);
    return chunk;
  };
  return ok({
    key,
    header,
    push(plaintext) {
      if (finished) throw new E2eError('INVALID_INPUT', 'push after finish');
      size += plaintext.length;
      const joined = new Uint8Array(pending.length + plaintext.length);
      joined.set(pending);
      joined.set(plaintext, pending.length);
      const out: Uint8Array[] = [];
      let offset = 0;
      // Strictly more than one chunk: the held-back chunk may still turn out to be the last.
      while (joined.length - offset > ATTACHMENT_CHUNK_BYTES) {
        out.push(
          seal(joined.subarray(offset, offset + ATTACHMENT_CHUNK_BYTES), SecretStreamTag.message),
        );
        offset += ATTACHMENT_CHUNK_BYTES;
      }
      pending = joined.slice(offset);
      return out;
    },
    finish() {
      if (finished) throw new E2eError('INVALID_INPUT', 'finish called twice');
      finished = true;
      const chunks = [seal(pending, SecretStreamTag.final)];
      state.fill(0);
      return { chunks, sealed: { key, header, size, contentHash: hash.digest() } };
    },
  });
}

/** A whole file at once (tests, small files, previews of the benchmark). */
export function encryptAttachment(
  nacl: SyncNacl,
  plaintext: Uint8Array,
): E2eResult<{ blob: Uint8Array; sealed: SealedAttachment }> {
  const started = startAttachmentEncryption(nacl);
  if (!started.ok) return started;
  const chunks = started.value.push(plaintext);
  const last = started.value.finish();
  chunks.push(...last.chunks);
  return ok({ blob: concat(chunks), sealed: last.sealed });
}

/**
 * Decrypts a blob as it arrives: `push` takes encrypted bytes of any slicing and answers the
 * plaintext of every chunk that authenticated; after the first refusal every call answers it again.
 * `finish` answers the plaintext of the last chunk if it was short, once the whole file is checked:
 * FINAL seen, nothing after it, size and hash equal to the descriptor's.
 */
export interface AttachmentDecryptor {
  push(encrypted: Uint8Array): E2eResult<Uint8Array[]>;
  finish(): E2eResult<Uint8Array[]>;
}

export function startAttachmentDecryption(
  nacl: SyncNacl,
  descriptor: SealedAttachment,
): E2eResult<AttachmentDecryptor> {
  if (!supportsAttachments(nacl)) return unsupported(nacl);
  const state = nacl.secretstreamInitPull(descriptor.header, descriptor.key);
  const hash = new ChainedHash(nacl);
  const expectedBytes = encryptedAttachmentSize(descriptor.size);
  let received = 0;
  let buffered = new Uint8Array(0);
  let chunkIndex = 0;
  let size = 0;
  let finalSeen = false;
  let refusal: E2eResult<never> | undefined;
  const refuse = (code: E2eErrorCode, message: string): E2eResult<never> => {
    refusal = fail(code, message);
    state.fill(0);
    return refusal;
  };
  const afterFinal = () => refuse('MALFORMED', 'attachment: bytes after the final chunk');

  const open = (chunk: Uint8Array): E2eResult<Uint8Array> => {
    if (finalSeen) return afterFinal();
    const opened = nacl.secretstreamPull(state, chunk);
    if (opened === null)
      return refuse(
        'DECRYPT_FAILED',
        `attachment chunk ${chunkIndex}: altered, out of order or from another file`,
      );
    if (opened.tag !== SecretStreamTag.message && opened.tag !== SecretStreamTag.final)
      return refuse('MALFORMED', `attachment chunk ${chunkIndex}: unexpected tag ${opened.tag}`);
    if (opened.tag === SecretStreamTag.message && opened.message.length !== ATTACHMENT_CHUNK_BYTES)
      return refuse('MALFORMED', `attachment chunk ${chunkIndex}: short chunk before the last`);
    hash.add(chunk);
    chunkIndex++;
    size += opened.message.length;
    if (size > descriptor.size)
      return refuse('MALFORMED', `attachment: more than the descriptor's ${descriptor.size} bytes`);
    if (opened.tag === SecretStreamTag.final) finalSeen = true;
    return ok(opened.message);
  };

  return ok({
    push(encrypted) {
      if (refusal !== undefined) return refusal;
      received += encrypted.length;
      if (received > expectedBytes)
        return refuse('MALFORMED', `attachment: more than the ${expectedBytes} bytes expected`);
      const joined = new Uint8Array(buffered.length + encrypted.length);
      joined.set(buffered);
      joined.set(encrypted, buffered.length);
      const out: Uint8Array[] = [];
      let offset = 0;
      // A full-length chunk may be the last one too: open every complete chunk as it comes.
      while (joined.length - offset >= ENCRYPTED_CHUNK_BYTES) {
        const opened = open(joined.subarray(offset, offset + ENCRYPTED_CHUNK_BYTES));
        if (!opened.ok) return opened;
        out.push(opened.value);
        offset += ENCRYPTED_CHUNK_BYTES;
      }
      if (finalSeen && offset < joined.length) return afterFinal();
      buffered = joined.slice(offset);
      return ok(out);
    },
    finish() {
      if (refusal !== undefined) return refusal;
      if (received < expectedBytes)
        return refuse('TRUNCATED', `attachment: ${received} of ${expectedBytes} bytes arrived`);
      const rest: Uint8Array[] = [];
      if (buffered.length > 0) {
        // Only the last chunk may be short: whatever is buffered must be it.
        const opened = open(buffered);
        if (!opened.ok) return opened;
        rest.push(opened.value);
        buffered = new Uint8Array(0);
      }
      if (!finalSeen)
        return refuse('TRUNCATED', 'attachment: the stream ended before its final chunk');
      if (size !== descriptor.size)
        return refuse(
          'TRUNCATED',
          `attachment: ${size} bytes, the descriptor says ${descriptor.size}`,
        );
      if (!equalBytes(hash.digest(), descriptor.contentHash))
        return refuse('HASH_MISMATCH', 'attachment: the blob does not match its descriptor');
      state.fill(0);
      return ok(rest);
    },
  });
}

/** A whole blob at once: the file, or why not. */
export function decryptAttachment(
  nacl: SyncNacl,
  descriptor: SealedAttachment,
  blob: Uint8Array,
): E2eResult<Uint8Array> {
  const started = startAttachmentDecryption(nacl, descriptor);
  if (!started.ok) return started;
  const chunks = started.value.push(blob);
  if (!chunks.ok) return chunks;
  const rest = started.value.finish();
  if (!rest.ok) return rest;
  return ok(concat([...chunks.value, ...rest.value]));
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] as number) ^ (b[i] as number);
  return difference === 0;
}
