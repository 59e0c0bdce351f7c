import type { SignedMessage } from '@anochat/crypto-native';
import {
  checkKeyEnvelopeRow,
  checkMessageRow,
  type E2eErrorCode,
  type E2eResult,
  type RowToVerify,
} from '@anochat/protocol';
import type { PushRequest, PushRow, RejectionCode } from '@anochat/schemas/rxdb/sync';
import type { Queryable } from '../../database/pool.ts';
import type { Author } from '../author.ts';
import { type EnvelopeChecks, type RowOutcome, reject } from './types.ts';

/**
 * The server's end-to-end checks of pushed messages and key envelopes (docs/crypto.md, "Who checks
 * what"), done before the push transaction opens so that no row lock waits on crypto-native:
 * each envelope decodes (a key envelope also names the row's ids) (`checkMessageRow` / `checkKeyEnvelopeRow`), was
 * sent by the authenticated device, that device is certified, and every signature of the batch
 * verifies under its registered signing key, in ONE VerifyBatch call.
 *
 * The handlers apply a refusal only to rows they would write: a row equal to the stored one (a
 * retried push) was checked when it was stored. Revocation needs no check here: a revoked device
 * cannot push at all (the transaction checks the device is active).
 */
export interface SignatureVerifier {
  verifyBatch(items: readonly SignedMessage[]): Promise<boolean[]>;
}

/** The registered signing key of a certified device, or null for a device without certificate. */
export interface SigningKeys {
  of(author: Author): Promise<Uint8Array | null>;
}

/** Enough for every device pushing to one instance in a busy hour; the oldest entry goes first. */
const SIGNING_KEYS_CACHED = 50_000;

/**
 * Signing keys from the devices table, remembered once a device is certified: a device's keys and
 * certificate never change, so a push need not ask PostgreSQL again (revocation is checked inside
 * every push transaction, so a cached key never lets a revoked device write).
 */
export function createSigningKeys(db: Queryable): SigningKeys {
  const certified = new Map<string, Uint8Array>();
  return {
    async of(author) {
      const cacheKey = `${author.userId}/${author.deviceId}`;
      const cached = certified.get(cacheKey);
      if (cached !== undefined) return cached;
      const { rows } = await db.query<{ sign_public_key: Buffer; certificate: Buffer | null }>({
        name: 'push-signing-device',
        text: 'SELECT sign_public_key, certificate FROM devices WHERE id = $1 AND user_id = $2',
        values: [author.deviceId, author.userId],
      });
      const device = rows[0];
      if (device === undefined || device.certificate === null) return null;
      const publicKey = new Uint8Array(device.sign_public_key);
      if (certified.size >= SIGNING_KEYS_CACHED) {
        certified.delete(certified.keys().next().value as string);
      }
      certified.set(cacheKey, publicKey);
      return publicKey;
    },
  };
}

export const NO_ENVELOPE_CHECKS: EnvelopeChecks = { refusalOf: () => undefined };

/** Row checks that name a field keep their name; every decoding failure is one code. */
const REJECTION_OF: Partial<Record<E2eErrorCode, RejectionCode>> = {
  WRONG_CONVERSATION: 'WRONG_CONVERSATION',
  WRONG_SENDER: 'WRONG_SENDER',
  WRONG_EPOCH: 'WRONG_EPOCH',
  WRONG_RECIPIENT: 'WRONG_RECIPIENT',
};

type RowCheck = (
  row: PushRow['newDocumentState'],
) => E2eResult<RowToVerify<{ senderDeviceId: string; signature: Uint8Array }>>;

// Pushed documents were validated against their collection's JSON schema (validation.ts), so the
// fields the row checks read are there with their types.
const ROW_CHECKS: Partial<Record<PushRequest['collection'], RowCheck>> = {
  messages: (next) => checkMessageRow(next as unknown as Parameters<typeof checkMessageRow>[0]),
  keyEnvelopes: (next) =>
    checkKeyEnvelopeRow(next as unknown as Parameters<typeof checkKeyEnvelopeRow>[0]),
};

export async function checkEnvelopes(
  signingKeys: SigningKeys,
  verifier: SignatureVerifier,
  author: Author,
  request: PushRequest,
): Promise<EnvelopeChecks> {
  const check = ROW_CHECKS[request.collection];
  if (check === undefined) return NO_ENVELOPE_CHECKS;
  const refusals = new Map<PushRow, RowOutcome>();
  const toVerify: { row: PushRow; signedBytes: Uint8Array; signature: Uint8Array }[] = [];
  for (const row of request.rows) {
    // A deleted message keeps no envelope, so there is nothing to sign.
    if (row.newDocumentState._deleted) continue;
    const checked = check(row.newDocumentState);
    if (!checked.ok) {
      const code = REJECTION_OF[checked.error.code] ?? 'MALFORMED_ENVELOPE';
      refusals.set(row, reject(code, `envelope: ${checked.error.message}`));
    } else if (checked.value.envelope.senderDeviceId !== author.deviceId) {
      refusals.set(row, reject('WRONG_SENDER', 'the envelope is not sent by this device'));
    } else {
      const { signedBytes, envelope } = checked.value;
      toVerify.push({ row, signedBytes, signature: envelope.signature });
    }
  }
  if (toVerify.length > 0) {
    const publicKey = await signingKeys.of(author);
    if (publicKey === null) {
      const uncertified = reject(
        'UNCERTIFIED_DEVICE',
        'this device has no certificate of its user: only certified devices send',
      );
      for (const { row } of toVerify) refusals.set(row, uncertified);
    } else {
      const verdicts = await verifier.verifyBatch(
        toVerify.map(({ signedBytes, signature }) => ({
          message: signedBytes,
          signature,
          publicKey,
        })),
      );
      const forged = reject('BAD_SIGNATURE', 'the signature does not verify under your device key');
      toVerify.forEach(({ row }, index) => {
        if (verdicts[index] !== true) refusals.set(row, forged);
      });
    }
  }
  return { refusalOf: (row) => refusals.get(row) };
}
