import { type MessagePayload, messagePayload } from '@anochat/schemas/e2e/payload';
import { bytesToUuid, decodeUtf8, utf8, uuidToBytes } from './bytes.ts';
import { E2eError, type E2eResult, fail, ok } from './result.ts';

/**
 * The payload inside a message's ciphertext, in a compact binary form: a type byte, then the fields
 * in a fixed order (ids as 16 bytes, strings and sizes with LEB128 lengths), then padding. JSON would
 * spend more on field names than a short text takes.
 *
 * Padding: 0x80 then zero bytes up to a bucket (ISO/IEC 7816-4), so the ciphertext shows only the
 * bucket: 32-byte steps up to 256 bytes, above that Padmé (at most 12% overhead, leaks O(log log n)
 * bits of the length). The decoder accepts any amount of zero padding, so the bucket policy can
 * change without a new format version.
 */

const TYPE_TAG = { text: 1, edit: 2, reaction: 3, deletion: 4, attachment: 5 } as const;
/** Which optional attachment fields follow, in this order. */
const ATTACHMENT_FLAG = { dimensions: 1, duration: 2, preview: 4, caption: 8 } as const;
const ATTACHMENT_FLAG_MASK = 15;
const PADDING_MARKER = 0x80;
const SMALL_BUCKET = 32;
const SMALL_LIMIT = 256;

/** The padded size of `length` bytes (marker included). */
export function paddedLength(length: number): number {
  if (length <= SMALL_LIMIT) return Math.ceil(length / SMALL_BUCKET) * SMALL_BUCKET;
  const exponent = Math.floor(Math.log2(length));
  const significantBits = Math.floor(Math.log2(exponent)) + 1;
  const step = 2 ** (exponent - significantBits);
  return Math.ceil(length / step) * step;
}

class Writer {
  private readonly parts: number[] = [];

  byte(value: number): void {
    this.parts.push(value);
  }

  bytes(value: Uint8Array): void {
    for (const byte of value) this.parts.push(byte);
  }

  /** LEB128 of a safe integer, by arithmetic (bit operators stop at 32 bits). */
  varint(value: number): void {
    let rest = value;
    while (rest >= 0x80) {
      this.parts.push((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    this.parts.push(rest);
  }

  string(value: string): void {
    const bytes = utf8(value);
    this.varint(bytes.length);
    this.bytes(bytes);
  }

  padded(): Uint8Array {
    const length = paddedLength(this.parts.length + 1);
    const out = new Uint8Array(length);
    out.set(this.parts);
    out[this.parts.length] = PADDING_MARKER;
    return out;
  }
}

class MalformedPayload extends Error {}

class Reader {
  private offset = 0;

  constructor(private readonly input: Uint8Array) {}

  get done(): boolean {
    return this.offset === this.input.length;
  }

  byte(): number {
    const value = this.input[this.offset];
    if (value === undefined) throw new MalformedPayload('truncated');
    this.offset += 1;
    return value;
  }

  bytes(length: number): Uint8Array {
    if (this.offset + length > this.input.length) throw new MalformedPayload('truncated');
    const out = this.input.slice(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  /** Minimal LEB128 up to 2^53 - 1; anything else is malformed. */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const byte = this.byte();
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) {
        if (byte === 0 && i > 0) throw new MalformedPayload('non-minimal varint');
        if (!Number.isSafeInteger(value)) throw new MalformedPayload('varint out of range');
        return value;
      }
      scale *= 0x80;
    }
    throw new MalformedPayload('varint too long');
  }

  uuid(): string {
    return bytesToUuid(this.bytes(16));
  }

  string(): string {
    const text = decodeUtf8(this.bytes(this.varint()));
    if (text === null) throw new MalformedPayload('invalid UTF-8');
    return text;
  }
}

/** Binary form of a payload, padded; throws INVALID_INPUT when it breaks the schema. */
export function encodePayload(payload: MessagePayload): Uint8Array {
  const checked = messagePayload.safeParse(payload);
  if (!checked.success) throw new E2eError('INVALID_INPUT', `payload: ${checked.error.message}`);
  const value = checked.data;
  const out = new Writer();
  out.byte(TYPE_TAG[value.type]);
  switch (value.type) {
    case 'text':
      out.byte(value.replyTo === undefined ? 0 : 1);
      if (value.replyTo !== undefined) out.bytes(uuidToBytes(value.replyTo, 'replyTo'));
      out.string(value.text);
      break;
    case 'edit':
      out.bytes(uuidToBytes(value.messageId, 'messageId'));
      out.string(value.text);
      break;
    case 'reaction':
      out.bytes(uuidToBytes(value.messageId, 'messageId'));
      out.byte(value.on ? 1 : 0);
      out.string(value.emoji);
      break;
    case 'deletion':
      out.bytes(uuidToBytes(value.messageId, 'messageId'));
      break;
    case 'attachment': {
      out.string(value.fileName);
      out.string(value.mime);
      out.varint(value.size);
      out.bytes(value.key);
      out.bytes(value.header);
      out.bytes(value.contentHash);
      out.bytes(uuidToBytes(value.blobId, 'blobId'));
      const flags =
        (value.width === undefined ? 0 : ATTACHMENT_FLAG.dimensions) |
        (value.durationMs === undefined ? 0 : ATTACHMENT_FLAG.duration) |
        (value.preview === undefined ? 0 : ATTACHMENT_FLAG.preview) |
        (value.caption === undefined ? 0 : ATTACHMENT_FLAG.caption);
      out.byte(flags);
      if (value.width !== undefined && value.height !== undefined) {
        out.varint(value.width);
        out.varint(value.height);
      }
      if (value.durationMs !== undefined) out.varint(value.durationMs);
      if (value.preview !== undefined) {
        out.varint(value.preview.length);
        out.bytes(value.preview);
      }
      if (value.caption !== undefined) out.string(value.caption);
      break;
    }
  }
  return out.padded();
}

function readAttachment(input: Reader): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    type: 'attachment',
    fileName: input.string(),
    mime: input.string(),
    size: input.varint(),
    key: input.bytes(32),
    header: input.bytes(24),
    contentHash: input.bytes(32),
    blobId: input.uuid(),
  };
  const flags = input.byte();
  if (flags > ATTACHMENT_FLAG_MASK) throw new MalformedPayload('unknown attachment flags');
  if (flags & ATTACHMENT_FLAG.dimensions) {
    fields.width = input.varint();
    fields.height = input.varint();
  }
  if (flags & ATTACHMENT_FLAG.duration) fields.durationMs = input.varint();
  if (flags & ATTACHMENT_FLAG.preview) fields.preview = input.bytes(input.varint());
  if (flags & ATTACHMENT_FLAG.caption) fields.caption = input.string();
  return fields;
}

function readFields(input: Reader): unknown {
  const tag = input.byte();
  switch (tag) {
    case TYPE_TAG.text: {
      const flags = input.byte();
      if (flags > 1) throw new MalformedPayload('unknown text flags');
      const replyTo = flags === 1 ? input.uuid() : undefined;
      const text = input.string();
      return replyTo === undefined ? { type: 'text', text } : { type: 'text', text, replyTo };
    }
    case TYPE_TAG.edit:
      return { type: 'edit', messageId: input.uuid(), text: input.string() };
    case TYPE_TAG.reaction: {
      const messageId = input.uuid();
      const on = input.byte();
      if (on > 1) throw new MalformedPayload('reaction flag is not 0 or 1');
      return { type: 'reaction', messageId, on: on === 1, emoji: input.string() };
    }
    case TYPE_TAG.deletion:
      return { type: 'deletion', messageId: input.uuid() };
    case TYPE_TAG.attachment:
      return readAttachment(input);
    default:
      throw new MalformedPayload(`unknown payload type ${tag}`);
  }
}

/** The payload of decrypted bytes: padding removed, fields read exactly, then the schema checked. */
export function decodePayload(padded: Uint8Array): E2eResult<MessagePayload> {
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (end < 0 || padded[end] !== PADDING_MARKER)
    return fail('MALFORMED', 'payload padding is missing');
  const input = new Reader(padded.subarray(0, end));
  let fields: unknown;
  try {
    fields = readFields(input);
  } catch (error) {
    if (error instanceof MalformedPayload) return fail('MALFORMED', `payload: ${error.message}`);
    throw error;
  }
  if (!input.done) return fail('MALFORMED', 'payload: bytes after the last field');
  const checked = messagePayload.safeParse(fields);
  if (!checked.success)
    return fail('MALFORMED', `payload: ${checked.error.issues[0]?.message ?? 'invalid'}`);
  return ok(checked.data);
}
