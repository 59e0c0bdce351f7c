import {
  E2E_FORMAT_VERSION,
  MAX_EPOCH,
  MAX_MESSAGE_ENVELOPE_BYTES,
} from '@anochat/schemas/e2e/limits';
import { isUuid, readU32, u32, uuidToBytes } from './bytes.ts';
import { CONTEXT, canonicalBytes } from './canonical.ts';
import { type E2eResult, fail, ok } from './result.ts';

/**
 * The message envelope and its binary form, with no Nacl: the server decodes envelopes and computes
 * the signed bytes with these functions, then verifies signatures in one VerifyBatch call.
 *
 * The message's address (id, conversation, sending device) travels once, in the row's columns; the
 * binary form leaves it out and the signature binds it, so an envelope copied into another row (a
 * replay under another id, a move to another conversation, another sender) no longer verifies.
 *
 * Layout (fixed offsets, then the ciphertext to the end):
 *   v (1) | epoch (4, big-endian) | nonce (24) | signature (64) | ciphertext (secretbox: MAC 16 +
 *   padded payload)
 */

/** The row columns a message envelope is signed under. */
export interface MessageAddress {
  id: string;
  conversationId: string;
  senderDeviceId: string;
}

export interface MessageEnvelope extends MessageAddress {
  v: number;
  epoch: number;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
  signature: Uint8Array;
}

const EPOCH_AT = 1;
const NONCE_AT = EPOCH_AT + 4;
const NONCE = 24;
const SIGNATURE_AT = NONCE_AT + NONCE;
const SIGNATURE = 64;
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

/** The wire bytes: the address stays out (it is in the row). */
export function encodeMessageEnvelope(envelope: MessageEnvelope): Uint8Array {
  const out = new Uint8Array(MESSAGE_HEADER_BYTES + envelope.ciphertext.length);
  out[0] = envelope.v;
  out.set(u32(envelope.epoch), EPOCH_AT);
  out.set(envelope.nonce, NONCE_AT);
  out.set(envelope.signature, SIGNATURE_AT);
  out.set(envelope.ciphertext, MESSAGE_HEADER_BYTES);
  return out;
}

/**
 * Any bytes in, never a throw: the envelope of the message at `address`, or MALFORMED /
 * UNSUPPORTED_VERSION / TOO_LARGE. Whether it was really signed for that address is the
 * signature's question.
 */
export function decodeMessageEnvelope(
  bytes: Uint8Array,
  address: MessageAddress,
): E2eResult<MessageEnvelope> {
  if (!(bytes instanceof Uint8Array) || bytes.length < 1)
    return fail('MALFORMED', 'empty envelope');
  for (const field of ['id', 'conversationId', 'senderDeviceId'] as const) {
    if (!isUuid(address[field])) return fail('MALFORMED', `${field} is not a UUID`);
  }
  if (bytes[0] !== E2E_FORMAT_VERSION) return fail('UNSUPPORTED_VERSION', `version ${bytes[0]}`);
  if (bytes.length > MAX_MESSAGE_ENVELOPE_BYTES) {
    return fail('TOO_LARGE', `envelope above ${MAX_MESSAGE_ENVELOPE_BYTES} bytes`);
  }
  if (bytes.length < MESSAGE_HEADER_BYTES + MIN_CIPHERTEXT) {
    return fail('MALFORMED', `envelope of ${bytes.length} bytes is too short`);
  }
  const epoch = readU32(bytes, EPOCH_AT);
  if (epoch > MAX_EPOCH) return fail('MALFORMED', 'epoch out of range');
  return ok({
    v: E2E_FORMAT_VERSION,
    id: address.id,
    conversationId: address.conversationId,
    epoch,
    senderDeviceId: address.senderDeviceId,
    nonce: bytes.slice(NONCE_AT, SIGNATURE_AT),
    signature: bytes.slice(SIGNATURE_AT, MESSAGE_HEADER_BYTES),
    ciphertext: bytes.slice(MESSAGE_HEADER_BYTES),
  });
}
