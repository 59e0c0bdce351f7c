import {
  E2E_FORMAT_VERSION,
  MAX_EPOCH,
  MAX_MESSAGE_ENVELOPE_BYTES,
} from '@anochat/schemas/e2e/limits';
import { bytesToUuid, readU32, u32, uuidToBytes } from './bytes.ts';
import { CONTEXT, canonicalBytes } from './canonical.ts';
import { type E2eResult, fail, ok } from './result.ts';

/**
 * The message envelope and its binary form, with no Nacl: the server decodes envelopes and computes
 * the signed bytes with these functions, then verifies signatures in one VerifyBatch call.
 *
 * Layout (fixed offsets, then the ciphertext to the end):
 *   v (1) | id (16) | conversationId (16) | epoch (4, big-endian) | senderDeviceId (16)
 *   | nonce (24) | signature (64) | ciphertext (secretbox: MAC 16 + padded payload)
 */

export interface MessageEnvelope {
  v: number;
  id: string;
  conversationId: string;
  epoch: number;
  senderDeviceId: string;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
  signature: Uint8Array;
}

const NONCE = 24;
const SIGNATURE = 64;
const NONCE_AT = 1 + 16 + 16 + 4 + 16;
const SIGNATURE_AT = NONCE_AT + NONCE;
export const MESSAGE_HEADER_BYTES = SIGNATURE_AT + SIGNATURE;
/** MAC plus the shortest padded payload (one padding bucket). */
const MIN_CIPHERTEXT = 16 + 1;

/** The bytes the sending device signs: every field but the signature, each length-prefixed. */
export function messageSigningBytes(envelope: Omit<MessageEnvelope, 'signature'>): Uint8Array {
  return canonicalBytes(CONTEXT.message, [
    new Uint8Array([envelope.v]),
    uuidToBytes(envelope.id, 'id'),
    uuidToBytes(envelope.conversationId, 'conversationId'),
    u32(envelope.epoch),
    uuidToBytes(envelope.senderDeviceId, 'senderDeviceId'),
    envelope.nonce,
    envelope.ciphertext,
  ]);
}

export function encodeMessageEnvelope(envelope: MessageEnvelope): Uint8Array {
  const out = new Uint8Array(MESSAGE_HEADER_BYTES + envelope.ciphertext.length);
  out[0] = envelope.v;
  out.set(uuidToBytes(envelope.id, 'id'), 1);
  out.set(uuidToBytes(envelope.conversationId, 'conversationId'), 17);
  out.set(u32(envelope.epoch), 33);
  out.set(uuidToBytes(envelope.senderDeviceId, 'senderDeviceId'), 37);
  out.set(envelope.nonce, NONCE_AT);
  out.set(envelope.signature, SIGNATURE_AT);
  out.set(envelope.ciphertext, MESSAGE_HEADER_BYTES);
  return out;
}

/** Any bytes in, never a throw: the envelope, or MALFORMED / UNSUPPORTED_VERSION / TOO_LARGE. */
export function decodeMessageEnvelope(bytes: Uint8Array): E2eResult<MessageEnvelope> {
  if (!(bytes instanceof Uint8Array) || bytes.length < 1)
    return fail('MALFORMED', 'empty envelope');
  if (bytes[0] !== E2E_FORMAT_VERSION) return fail('UNSUPPORTED_VERSION', `version ${bytes[0]}`);
  if (bytes.length > MAX_MESSAGE_ENVELOPE_BYTES) {
    return fail('TOO_LARGE', `envelope above ${MAX_MESSAGE_ENVELOPE_BYTES} bytes`);
  }
  if (bytes.length < MESSAGE_HEADER_BYTES + MIN_CIPHERTEXT) {
    return fail('MALFORMED', `envelope of ${bytes.length} bytes is too short`);
  }
  const epoch = readU32(bytes, 33);
  if (epoch > MAX_EPOCH) return fail('MALFORMED', 'epoch out of range');
  return ok({
    v: E2E_FORMAT_VERSION,
    id: bytesToUuid(bytes, 1),
    conversationId: bytesToUuid(bytes, 17),
    epoch,
    senderDeviceId: bytesToUuid(bytes, 37),
    nonce: bytes.slice(NONCE_AT, SIGNATURE_AT),
    signature: bytes.slice(SIGNATURE_AT, MESSAGE_HEADER_BYTES),
    ciphertext: bytes.slice(MESSAGE_HEADER_BYTES),
  });
}
