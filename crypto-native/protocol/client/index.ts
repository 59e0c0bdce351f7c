/**
 * The client side of the end-to-end protocol, free of any database, framework or DOM: account keys,
 * the device directory, keyrings and epochs, sealing and opening messages and titles, safety
 * numbers. Callers fetch the rows (the app from RxDB, the tests from the server) and keep what they
 * cache; these functions compute from rows and keys.
 */

export {
  type AccountKeys,
  adoptedDevice,
  newAccount,
  type PendingDevice,
  passwordChange,
  passwordSecrets,
  pendingDevice,
  recoverAccount,
  recoverySecrets,
  recoverySetup,
  restoreFromBackup,
  revocationFor,
} from './account-keys.ts';
export {
  deviceDirectoryOf,
  publishedDevice,
  selfAsTrusted,
  trustingSelf,
} from './device-directory.ts';
export {
  archiveEntryRow,
  type EpochStatus,
  epochStatus,
  keyEnvelopeRow,
  missingArchiveEntries,
  missingKeyEnvelopes,
  startEpoch,
} from './epochs.ts';
export { createRowIds } from './ids.ts';
export {
  confirmKey,
  emptyKeyring,
  type Keyring,
  type KeyringSources,
  openKeyring,
  sealingEpoch,
  sealingKey,
} from './keyring.ts';
export type {
  DeviceRow,
  KeyArchiveRow,
  KeyEnvelopeRow,
  MessageRow,
  NewKeyEnvelopeRow,
  UserRow,
} from './rows.ts';
export { safetyNumberWith } from './safety-numbers.ts';
export { type OpenResult, openMessageRow, sealMessageEnvelope } from './seal-open.ts';
export { openTitleText, sealTitleText } from './titles.ts';
