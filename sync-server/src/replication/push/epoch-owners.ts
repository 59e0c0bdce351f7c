import type pg from 'pg';
import { type RowOutcome, reject } from './types.ts';

/** One epoch of one conversation. */
export interface EpochRef {
  conversationId: string;
  epoch: number;
}

export const epochKeyOf = (ref: EpochRef) => `${ref.conversationId}|${ref.epoch}`;

export const EPOCH_TAKEN = reject(
  'EPOCH_TAKEN',
  'another device started this epoch: only its key envelopes are accepted',
);
export const EPOCH_NOT_NEXT = reject(
  'EPOCH_NOT_NEXT',
  "a new epoch must be exactly one above the conversation's newest epoch",
);

/**
 * Decides which epochs `deviceId` may send key envelopes for (docs/crypto.md, "Epochs"): one it
 * owns, or the conversation's next one (newest + 1), which it then owns. Claims go through the
 * primary key of `conversation_epochs`, in (conversation, epoch) order: a push racing another
 * for the same epoch waits for it and, once it commits, finds the epoch taken. Returns the
 * refusal of each refused epoch, keyed `conversationId|epoch`.
 */
export async function claimEpochs(
  db: pg.PoolClient,
  deviceId: string,
  wanted: readonly EpochRef[],
): Promise<Map<string, RowOutcome>> {
  const refusals = new Map<string, RowOutcome>();
  const unique = [...new Map(wanted.map((ref) => [epochKeyOf(ref), ref])).values()].sort(
    (a, b) => a.conversationId.localeCompare(b.conversationId) || a.epoch - b.epoch,
  );
  if (unique.length === 0) return refusals;
  const conversationIds = [...new Set(unique.map((ref) => ref.conversationId))];
  const { rows: known } = await db.query<{
    conversation_id: string;
    epoch: number;
    owner_device_id: string;
  }>({
    name: 'push-epoch-owners',
    text: `SELECT conversation_id, epoch, owner_device_id FROM conversation_epochs
            WHERE conversation_id = ANY($1::uuid[])`,
    values: [conversationIds],
  });
  const owners = new Map(
    known.map((row) => [
      epochKeyOf({ ...row, conversationId: row.conversation_id }),
      row.owner_device_id,
    ]),
  );
  const newest = new Map<string, number>();
  for (const row of known) {
    newest.set(row.conversation_id, Math.max(row.epoch, newest.get(row.conversation_id) ?? -1));
  }
  for (const ref of unique) {
    const owner = owners.get(epochKeyOf(ref));
    if (owner !== undefined) {
      if (owner !== deviceId) refusals.set(epochKeyOf(ref), EPOCH_TAKEN);
      continue;
    }
    if (ref.epoch !== (newest.get(ref.conversationId) ?? -1) + 1) {
      refusals.set(epochKeyOf(ref), EPOCH_NOT_NEXT);
      continue;
    }
    const { rows: claimed } = await db.query({
      name: 'push-claim-epoch',
      text: `INSERT INTO conversation_epochs (conversation_id, epoch, owner_device_id)
             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING epoch`,
      values: [ref.conversationId, ref.epoch, deviceId],
    });
    if (claimed.length === 1) {
      newest.set(ref.conversationId, ref.epoch);
      continue;
    }
    // Taken by a push that committed after our read; it may be this device's own (a retry).
    const { rows: winner } = await db.query<{ owner_device_id: string }>({
      name: 'push-epoch-owner',
      text: `SELECT owner_device_id FROM conversation_epochs WHERE conversation_id = $1 AND epoch = $2`,
      values: [ref.conversationId, ref.epoch],
    });
    if (winner[0]?.owner_device_id === deviceId) {
      newest.set(ref.conversationId, ref.epoch);
      continue;
    }
    refusals.set(epochKeyOf(ref), EPOCH_TAKEN);
    // Our view of this conversation's epochs is stale: its later epochs wait for another push.
    newest.set(ref.conversationId, Number.POSITIVE_INFINITY);
  }
  return refusals;
}
