import type { SyncNacl } from '@anochat/crypto-native';
import { E2E_FORMAT_VERSION, MAX_MESSAGE_ENVELOPE_BYTES } from '@anochat/schemas/e2e/limits';
import type { MessagePayload } from '@anochat/schemas/e2e/payload';
import { bytesToUuid, concatBytes, requireLength, uuidToBytes } from './bytes.ts';
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
  type MessageAddress,
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
 * The envelope bytes of a new message: store base64 of them as `messages.envelope`, in a row whose
 * id, conversationId and senderDeviceId are the ones signed here. `id` is the client-chosen id.
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
 * Opens a stored message after checking, in order: the format, that the sender is a trusted device
 * of a member (or was, when the server stored the row at `storedAt`, ms), the signature over the row's address (`address`: id, conversation, sender device),
 * that the epoch key is known, decryption, and the payload's schema.
 */
export function openMessage(
  nacl: SyncNacl,
  bytes: Uint8Array,
  address: MessageAddress,
  keys: EpochKeys,
  view: MembershipView,
  storedAt?: number,
): E2eResult<OpenedMessage> {
  const decoded = decodeMessageEnvelope(bytes, address);
  if (!decoded.ok) return decoded;
  const envelope = decoded.value;
  const sender = memberSender(view, envelope.senderDeviceId, storedAt);
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

const DEVICE_ID_BYTES = 16;

/**
 * A conversation title: a text payload sealed like a message whose id is the conversation id,
 * behind the sealing device's id (a conversation row has no column naming who set its title).
 */
export function sealTitle(
  nacl: SyncNacl,
  conversationKey: ConversationKeyRef,
  title: string,
  sender: LocalDevice,
): Uint8Array {
  const envelope = sealMessage(
    nacl,
    { id: conversationKey.conversationId, conversationKey, payload: { type: 'text', text: title } },
    sender,
  );
  return concatBytes(uuidToBytes(sender.deviceId, 'senderDeviceId'), envelope);
}

/**
 * The title of `sealTitle`, after every check `openMessage` makes. `storedAt` is the server's time
 * of the title's last change (ms; the conversation's `titleChangedAt`): a title set by a device
 * revoked since still opens if it was set before the revocation, as a message does.
 */
export function openTitle(
  nacl: SyncNacl,
  bytes: Uint8Array,
  conversationId: string,
  keys: EpochKeys,
  view: MembershipView,
  storedAt?: number,
): E2eResult<string> {
  if (!(bytes instanceof Uint8Array) || bytes.length < DEVICE_ID_BYTES) {
    return fail('MALFORMED', 'title envelope too short');
  }
  const address = { id: conversationId, conversationId, senderDeviceId: bytesToUuid(bytes, 0) };
  const opened = openMessage(nacl, bytes.subarray(DEVICE_ID_BYTES), address, keys, view, storedAt);
  if (!opened.ok) return opened;
  if (opened.value.payload.type !== 'text') return fail('MALFORMED', 'a title is a text payload');
  return ok(opened.value.payload.text);
}
