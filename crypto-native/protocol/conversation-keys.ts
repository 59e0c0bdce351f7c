import type { SyncNacl } from '@anochat/crypto-native';
import {
  E2E_FORMAT_VERSION,
  EPOCH_MAX_AGE_MS,
  EPOCH_MAX_MESSAGES,
  MAX_EPOCH,
} from '@anochat/schemas/e2e/limits';
import {
  bytesEqual,
  bytesToUuid,
  concatBytes,
  readU32,
  requireLength,
  u32,
  uuidToBytes,
} from './bytes.ts';
import { CONTEXT, canonicalBytes } from './canonical.ts';
import type { DeviceDirectory, LocalDevice, TrustedDevice } from './identity.ts';
import { E2eError, type E2eResult, fail, ok } from './result.ts';

/**
 * Conversation keys: one random secretbox key per epoch, carried to each member device in a key
 * envelope: `box` from the sending device's X25519 key to the recipient device's, signed by the
 * sending device so the recipient knows which certified device of which member sent it.
 */

export interface ConversationKeyRef {
  conversationId: string;
  epoch: number;
  key: Uint8Array;
}

export interface KeyEnvelope {
  v: number;
  conversationId: string;
  epoch: number;
  recipientDeviceId: string;
  senderDeviceId: string;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
  signature: Uint8Array;
}

export interface OpenedKeyEnvelope extends ConversationKeyRef {
  senderDeviceId: string;
}

/** Who may take part: trusted devices, and the user ids of the conversation's members. */
export interface MembershipView {
  directory: DeviceDirectory;
  members: ReadonlySet<string>;
}

const KEY = 32;
const NONCE = 24;
const SIGNATURE = 64;
const BOXED = 16 + 16 + 4 + KEY;
/** v | conversation | epoch | recipient | sender | nonce | signature | box(conversation | epoch | key) */
export const KEY_ENVELOPE_BYTES = 1 + 16 + 4 + 16 + 16 + NONCE + SIGNATURE + BOXED;
const NONCE_AT = 1 + 16 + 4 + 16 + 16;
const SIGNATURE_AT = NONCE_AT + NONCE;
const CIPHERTEXT_AT = SIGNATURE_AT + SIGNATURE;

export function newConversationKey(nacl: SyncNacl): Uint8Array {
  return nacl.randomBytes(KEY);
}

export function requireEpoch(epoch: number): void {
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > MAX_EPOCH) {
    throw new E2eError('INVALID_INPUT', 'epoch: must be an integer in 0..2^31-1');
  }
}

/** The bytes the sending device signs: every field but the signature, length-prefixed. */
export function keyEnvelopeSigningBytes(envelope: Omit<KeyEnvelope, 'signature'>): Uint8Array {
  return canonicalBytes(CONTEXT.keyEnvelope, [
    new Uint8Array([envelope.v]),
    uuidToBytes(envelope.conversationId, 'conversationId'),
    u32(envelope.epoch),
    uuidToBytes(envelope.recipientDeviceId, 'recipientDeviceId'),
    uuidToBytes(envelope.senderDeviceId, 'senderDeviceId'),
    envelope.nonce,
    envelope.ciphertext,
  ]);
}

export function encodeKeyEnvelope(envelope: KeyEnvelope): Uint8Array {
  return concatBytes(
    new Uint8Array([envelope.v]),
    uuidToBytes(envelope.conversationId, 'conversationId'),
    u32(envelope.epoch),
    uuidToBytes(envelope.recipientDeviceId, 'recipientDeviceId'),
    uuidToBytes(envelope.senderDeviceId, 'senderDeviceId'),
    envelope.nonce,
    envelope.signature,
    envelope.ciphertext,
  );
}

export function decodeKeyEnvelope(bytes: Uint8Array): E2eResult<KeyEnvelope> {
  if (!(bytes instanceof Uint8Array) || bytes.length < 1) return fail('MALFORMED', 'empty');
  if (bytes[0] !== E2E_FORMAT_VERSION) return fail('UNSUPPORTED_VERSION', `version ${bytes[0]}`);
  if (bytes.length !== KEY_ENVELOPE_BYTES) {
    return fail('MALFORMED', `a key envelope is ${KEY_ENVELOPE_BYTES} bytes, not ${bytes.length}`);
  }
  const epoch = readU32(bytes, 17);
  if (epoch > MAX_EPOCH) return fail('MALFORMED', 'epoch out of range');
  return ok({
    v: E2E_FORMAT_VERSION,
    conversationId: bytesToUuid(bytes, 1),
    epoch,
    recipientDeviceId: bytesToUuid(bytes, 21),
    senderDeviceId: bytesToUuid(bytes, 37),
    nonce: bytes.slice(NONCE_AT, SIGNATURE_AT),
    signature: bytes.slice(SIGNATURE_AT, CIPHERTEXT_AT),
    ciphertext: bytes.slice(CIPHERTEXT_AT),
  });
}

/** Wraps one epoch key for one device; refuses a recipient whose user is not a member. */
export function wrapConversationKey(
  nacl: SyncNacl,
  conversationKey: ConversationKeyRef,
  sender: LocalDevice,
  recipient: TrustedDevice,
  members: ReadonlySet<string>,
): Uint8Array {
  requireEpoch(conversationKey.epoch);
  requireLength(conversationKey.key, KEY, 'key');
  if (!members.has(recipient.userId)) {
    throw new E2eError('NOT_A_MEMBER', `device ${recipient.id} belongs to a non-member`);
  }
  const conversation = uuidToBytes(conversationKey.conversationId, 'conversationId');
  const plaintext = concatBytes(conversation, u32(conversationKey.epoch), conversationKey.key);
  const nonce = nacl.randomBytes(NONCE);
  const ciphertext = nacl.box(plaintext, nonce, recipient.boxPublicKey, sender.box.secretKey);
  const unsigned = {
    v: E2E_FORMAT_VERSION,
    conversationId: conversationKey.conversationId,
    epoch: conversationKey.epoch,
    recipientDeviceId: recipient.id,
    senderDeviceId: sender.deviceId,
    nonce,
    ciphertext,
  };
  const signature = nacl.signDetached(keyEnvelopeSigningBytes(unsigned), sender.sign.secretKey);
  return encodeKeyEnvelope({ ...unsigned, signature });
}

/** One envelope per trusted device of every member, the sending device itself excepted. */
export function wrapConversationKeyForMembers(
  nacl: SyncNacl,
  conversationKey: ConversationKeyRef,
  sender: LocalDevice,
  view: MembershipView,
): { recipientDeviceId: string; envelope: Uint8Array }[] {
  const envelopes: { recipientDeviceId: string; envelope: Uint8Array }[] = [];
  for (const device of view.directory.trusted.values()) {
    if (device.id === sender.deviceId || !view.members.has(device.userId)) continue;
    envelopes.push({
      recipientDeviceId: device.id,
      envelope: wrapConversationKey(nacl, conversationKey, sender, device, view.members),
    });
  }
  return envelopes;
}

/**
 * The sending device of a message or key envelope, if it may send in this conversation. A revoked
 * device is accepted only for what the server stored before the signed revocation time
 * (`storedAt`, the row's server time in ms): history survives a logout or a lost phone, and the
 * server (which refuses revoked devices' pushes) would have to backdate a row to pass a forgery
 * off as old.
 */
export function memberSender(
  view: MembershipView,
  senderDeviceId: string,
  storedAt?: number,
): E2eResult<TrustedDevice> {
  const revoked = view.directory.revoked.get(senderDeviceId);
  if (revoked !== undefined && (storedAt === undefined || storedAt >= revoked.revokedAt)) {
    return fail('REVOKED_DEVICE', `device ${senderDeviceId} was revoked by its user`);
  }
  const device = revoked?.device ?? view.directory.trusted.get(senderDeviceId);
  if (device === undefined) {
    return fail('UNTRUSTED_DEVICE', `device ${senderDeviceId} has no valid certificate`);
  }
  if (!view.members.has(device.userId)) {
    return fail('NOT_A_MEMBER', `the user of device ${senderDeviceId} is not a member`);
  }
  return ok(device);
}

/**
 * Opens a key envelope addressed to this device, after checking it is for this device, from a
 * trusted device of a member, to a member, signed, and that the sealed ids equal the signed ones.
 * `expected` is the row it was stored as (conversation and epoch).
 */
export function openKeyEnvelope(
  nacl: SyncNacl,
  bytes: Uint8Array,
  self: LocalDevice,
  view: MembershipView,
  expected: { conversationId: string; epoch: number; storedAt?: number },
): E2eResult<OpenedKeyEnvelope> {
  const decoded = decodeKeyEnvelope(bytes);
  if (!decoded.ok) return decoded;
  const envelope = decoded.value;
  if (envelope.recipientDeviceId !== self.deviceId) {
    return fail('WRONG_RECIPIENT', 'the key envelope is addressed to another device');
  }
  if (envelope.conversationId !== expected.conversationId) {
    return fail('WRONG_CONVERSATION', 'the key envelope is for another conversation');
  }
  if (envelope.epoch !== expected.epoch)
    return fail('WRONG_EPOCH', `signed for epoch ${envelope.epoch}`);
  if (!view.members.has(self.userId)) {
    return fail('NOT_A_MEMBER', 'this device belongs to a user who is not a member');
  }
  const sender = memberSender(view, envelope.senderDeviceId, expected.storedAt);
  if (!sender.ok) return sender;
  if (
    !nacl.verifyDetached(
      keyEnvelopeSigningBytes(envelope),
      envelope.signature,
      sender.value.signPublicKey,
    )
  ) {
    return fail('BAD_SIGNATURE', 'the key envelope is not signed by its sender device');
  }
  const plaintext = nacl.boxOpen(
    envelope.ciphertext,
    envelope.nonce,
    sender.value.boxPublicKey,
    self.box.secretKey,
  );
  if (plaintext === null) return fail('DECRYPT_FAILED', 'the key envelope does not open');
  if (!bytesEqual(plaintext.subarray(0, 16), uuidToBytes(envelope.conversationId))) {
    return fail('WRONG_CONVERSATION', 'the sealed conversation differs from the signed one');
  }
  if (readU32(plaintext, 16) !== envelope.epoch) {
    return fail('WRONG_EPOCH', 'the sealed epoch differs from the signed one');
  }
  return ok({
    conversationId: envelope.conversationId,
    epoch: envelope.epoch,
    key: plaintext.slice(20),
    senderDeviceId: envelope.senderDeviceId,
  });
}

export interface EpochState {
  /** When the current epoch began, ms since 1970. */
  epochStartedAt: number;
  messagesInEpoch: number;
  now: number;
  /** A member was removed since the epoch began (additions do not need a new epoch). */
  membershipChanged: boolean;
  /** A device of a member was revoked since the epoch began. */
  deviceRevoked: boolean;
}

/**
 * A new epoch (new key, wrapped for the remaining devices) is due after a removal or revocation, so
 * the departed cannot read on, and after 7 days or 1,000 messages, so a leaked key exposes a bounded
 * window.
 */
export function needsNewEpoch(state: EpochState): boolean {
  return (
    state.membershipChanged ||
    state.deviceRevoked ||
    state.messagesInEpoch >= EPOCH_MAX_MESSAGES ||
    state.now - state.epochStartedAt >= EPOCH_MAX_AGE_MS
  );
}
