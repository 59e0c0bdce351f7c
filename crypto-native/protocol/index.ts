/**
 * AnoChat's end-to-end protocol over the `Nacl<'sync'>` interface (providers `wasm`, `tweetnacl`):
 * identity and device keys, password derivation, key backup and archive, conversation keys, message
 * envelopes and safety numbers. docs/crypto.md explains every format and why.
 *
 * Opening, verifying and parsing functions never throw: they answer `E2eResult`, a value or a
 * `{ code, message }` failure (codes in @anochat/schemas/e2e/errors). Constructors throw `E2eError`
 * only for caller mistakes (`INVALID_INPUT`, or `NOT_A_MEMBER` when wrapping a key for an outsider).
 *
 * Functions without a `nacl` parameter are pure (encodings, signed bytes, row checks): the server
 * uses them to compute what to verify and calls gRPC VerifyBatch itself.
 */

export {
  type AttachmentDecryptor,
  type AttachmentEncryptor,
  decryptAttachment,
  encryptAttachment,
  encryptedAttachmentSize,
  type SealedAttachment,
  startAttachmentDecryption,
  startAttachmentEncryption,
  supportsAttachments,
} from './attachment-stream.ts';
export {
  type KeyBackupContents,
  newAccountKeys,
  openArchiveEntry,
  openKeyBackup,
  sealArchiveEntry,
  sealKeyBackup,
} from './backup.ts';
export { decodeBase64, encodeBase64 } from './base64.ts';
export { bytesToUuid, uuidToBytes } from './bytes.ts';
export { CONTEXT } from './canonical.ts';
export {
  type ConversationKeyRef,
  decodeKeyEnvelope,
  type EpochState,
  encodeKeyEnvelope,
  KEY_ENVELOPE_BYTES,
  type KeyEnvelope,
  keyEnvelopeSigningBytes,
  type MembershipView,
  needsNewEpoch,
  newConversationKey,
  type OpenedKeyEnvelope,
  openKeyEnvelope,
  wrapConversationKey,
  wrapConversationKeyForMembers,
} from './conversation-keys.ts';
export {
  buildDeviceDirectory,
  canonicalUsername,
  createDeviceCertificate,
  createDeviceRevocation,
  type DeviceCertificate,
  type DeviceDirectory,
  type DeviceKeys,
  type DeviceRevocation,
  decodeDeviceCertificate,
  decodeDeviceRevocation,
  deviceCertificateSigningBytes,
  deviceRevocationSigningBytes,
  encodeDeviceCertificate,
  encodeDeviceRevocation,
  identityKeyPair,
  type LocalDevice,
  newCertifiedDevice,
  newDeviceKeys,
  type PublishedDevice,
  type TrustedDevice,
  trustedDevices,
  type UserIdentity,
  verifyDeviceCertificate,
  verifyDeviceRevocation,
} from './identity.ts';
export {
  decodeMessageEnvelope,
  encodeMessageEnvelope,
  MESSAGE_HEADER_BYTES,
  type MessageAddress,
  type MessageEnvelope,
  messageSigningBytes,
} from './message-envelope.ts';
export {
  type EpochKeys,
  type OpenedMessage,
  openMessage,
  openTitle,
  sealMessage,
  sealTitle,
} from './messages.ts';
export {
  type AccountSecrets,
  type Argon2idCost,
  deriveAccountSecrets,
  passwordSalt,
} from './password.ts';
export { decodePayload, encodePayload, paddedLength } from './payload-codec.ts';
export {
  deriveRecoverySecrets,
  formatRecoveryKey,
  newRecoveryKey,
  openRecoveryBackup,
  parseRecoveryKey,
  RECOVERY_KEY_BYTES,
  type RecoverySecrets,
} from './recovery-key.ts';
export { E2eError, type E2eErrorCode, type E2eFailure, type E2eResult } from './result.ts';
export { checkKeyEnvelopeRow, checkMessageRow, type RowToVerify } from './rows.ts';
export { type SafetyNumber, safetyNumber } from './safety-number.ts';
