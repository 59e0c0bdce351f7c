import { E2E_FORMAT_VERSION, MAX_MESSAGE_ENVELOPE_BYTES } from '@anochat/schemas/e2e/limits';
import type { MessagePayload } from '@anochat/schemas/e2e/payload';
import type { SyncNacl } from '../nacl.ts';
import { requireLength } from './bytes.ts';
import {
  type ConversationKeyRef,
  type MembershipView,
  memberSender,
  requireEpoch,
} from './conversation-keys.ts';
import type { LocalDevice } from './identity.ts';
import {
  decodeMessageEnvelope,
  encodeMessageEnvelope,
  MESSAGE_HEADER_BYTES,
  messageSigningBytes,
} from './message-envelope.ts';
import { decodePayload, encodePayload } from './payload-codec.ts';
import { E2eError, type E2eResult, fail, ok } from './result.ts';

/** Sealing and opening messages: secretbox under the epoch key, signed by the sending device. */

export interface OpenedMessage {
  id: string;
  conversationId: string;
  epoch: number;
  senderDeviceId: string;
  senderUserId: string;
  payload: MessagePayload;
}

/** Epoch keys of one conversation, as the device has them (from key envelopes or the archive). */
export type EpochKeys = ReadonlyMap<number, Uint8Array>;

/**
 * The envelope bytes of a new message (store base64 of them as `messages.envelope`, with the same
 * id, conversationId and senderDeviceId in the row). `id` is the client-chosen message id.
 */
export function sealMessage(
  nacl: SyncNacl,
  message: { id: string; conversationKey: ConversationKeyRef; payload: MessagePayload },
  sender: LocalDevice,
): Uint8Array {
  const { conversationId, epoch, key } = message.conversationKey;
  requireEpoch(epoch);
  requireLength(key, 32, 'key');
  const plaintext = encodePayload(message.payload);
  if (MESSAGE_HEADER_BYTES + 16 + plaintext.length > MAX_MESSAGE_ENVELOPE_BYTES) {
    throw new E2eError(
      'TOO_LARGE',
      `the payload does not fit in ${MAX_MESSAGE_ENVELOPE_BYTES} bytes`,
    );
  }
  const nonce = nacl.randomBytes(24);
  const unsigned = {
    v: E2E_FORMAT_VERSION,
    id: message.id,
    conversationId,
    epoch,
    senderDeviceId: sender.deviceId,
    nonce,
    ciphertext: nacl.secretbox(plaintext, nonce, key),
  };
  const signature = nacl.signDetached(messageSigningBytes(unsigned), sender.sign.secretKey);
  return encodeMessageEnvelope({ ...unsigned, signature });
}

/**
 * Opens a stored message after checking, in order: the format, that the signed id, conversation and
 * sender equal the row's (`expected`), that the sender is a trusted device of a member, the
 * signature, that the epoch key is known, decryption, and the payload's schema.
 */
export function openMessage(
  nacl: SyncNacl,
  bytes: Uint8Array,
  expected: { id: string; conversationId: string; senderDeviceId: string },
  keys: EpochKeys,
  view: MembershipView,
): E2eResult<OpenedMessage> {
  const decoded = decodeMessageEnvelope(bytes);
  if (!decoded.ok) return decoded;
  const envelope = decoded.value;
  if (envelope.conversationId !== expected.conversationId) {
    return fail('WRONG_CONVERSATION', 'the message was signed for another conversation');
  }
  if (envelope.id !== expected.id)
    return fail('WRONG_ID', 'the message was signed under another id');
  if (envelope.senderDeviceId !== expected.senderDeviceId) {
    return fail('WRONG_SENDER', 'the message was signed by another device than the row names');
  }
  const sender = memberSender(view, envelope.senderDeviceId);
  if (!sender.ok) return sender;
  if (
    !nacl.verifyDetached(
      messageSigningBytes(envelope),
      envelope.signature,
      sender.value.signPublicKey,
    )
  ) {
    return fail('BAD_SIGNATURE', 'the signature does not verify under the sender device key');
  }
  const key = keys.get(envelope.epoch);
  if (key === undefined) return fail('UNKNOWN_EPOCH', `no key for epoch ${envelope.epoch}`);
  const plaintext = nacl.secretboxOpen(envelope.ciphertext, envelope.nonce, key);
  if (plaintext === null)
    return fail('DECRYPT_FAILED', 'the ciphertext does not open with the epoch key');
  const payload = decodePayload(plaintext);
  if (!payload.ok) return payload;
  return ok({
    id: envelope.id,
    conversationId: envelope.conversationId,
    epoch: envelope.epoch,
    senderDeviceId: envelope.senderDeviceId,
    senderUserId: sender.value.userId,
    payload: payload.value,
  });
}
