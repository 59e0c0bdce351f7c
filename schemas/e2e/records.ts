import { z } from 'zod';
import { base64OfLength, base64OfLengthBetween } from '../api/encoding.ts';
import { UUID_PATTERN } from '../rxdb/common.ts';
import { MAX_EPOCH } from './limits.ts';

/**
 * JSON shapes of the end-to-end records the server stores without reading them. Binary values are
 * standard padded base64 (docs/protocol.md). The byte layouts inside are in docs/crypto.md.
 */

const uuid = z.string().regex(new RegExp(UUID_PATTERN), 'must be a lower-case UUID');
/**
 * A signed statement, the key backup or an archive entry: 1 to 256 bytes, as the database's
 * constraints on these columns require (sync-server/migrations).
 */
const record = base64OfLengthBetween(1, 256);

/** A user's Ed25519 identity public key. */
export const identityPublicKey = base64OfLength(32);

/** An encoded device certificate (crypto-native e2e `createDeviceCertificate`). */
export const deviceCertificate = record;
/** An encoded device revocation (crypto-native e2e `createDeviceRevocation`). */
export const deviceRevocation = record;

/** The encrypted key backup (identity seed and archive key under the password's backup key). */
export const keyBackup = z.strictObject({ backup: record });
export type KeyBackupRecord = z.infer<typeof keyBackup>;

/** One conversation key of one epoch, sealed under the user's archive key. */
export const archiveEntry = z.strictObject({
  conversationId: uuid,
  epoch: z.number().int().min(0).max(MAX_EPOCH),
  sealedKey: record,
});
export type ArchiveEntryRecord = z.infer<typeof archiveEntry>;
