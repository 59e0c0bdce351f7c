import type { WireDocument } from '@anochat/schemas/rxdb/sync';
import { DOCUMENT_SHAPES } from '../documents.ts';
import { compare } from './compare.ts';
import { claimEpochs, epochKeyOf } from './epoch-owners.ts';
import { settleInsertsOnce } from './insert-once.ts';
import { ConversationMembers, lockById } from './lookups.ts';
import {
  type BatchHandler,
  fromBase64,
  type RowOutcome,
  reject,
  UNCHANGED,
  WRITTEN,
} from './types.ts';

const toDocument = DOCUMENT_SHAPES.keyEnvelopes.toDocument;
const FIELDS = ['conversationId', 'epoch', 'recipientDeviceId', 'senderDeviceId', 'envelope'];

/**
 * Created once, from the signed-in device, to an active device of a current member; never changed.
 * One envelope per (conversation, epoch, recipient). The envelope must pass `checks` (decodes,
 * names the row's fields, signed by this device). All envelopes of one epoch come from the device
 * that started it, and a new epoch is the conversation's next one (epoch-owners.ts).
 */
export const pushKeyEnvelopes: BatchHandler = async (db, author, rows, checks) => {
  const stored = await lockById(
    db,
    'key_envelopes',
    rows.map((row) => row.newDocumentState.id),
  );
  const fresh = rows.filter((row) => !stored.has(row.newDocumentState.id));
  const members = await ConversationMembers.load(
    db,
    fresh.map((row) => row.newDocumentState.conversationId as string),
  );
  // Active devices among the recipients, with their user.
  const { rows: devices } = await db.query<{ id: string; user_id: string }>({
    name: 'push-envelope-recipients',
    text: 'SELECT id, user_id FROM devices WHERE id = ANY($1::uuid[]) AND revoked_at IS NULL',
    values: [[...new Set(fresh.map((row) => row.newDocumentState.recipientDeviceId as string))]],
  });
  const userOfDevice = new Map(devices.map((row) => [row.id, row.user_id]));

  const candidates: WireDocument[] = [];
  const decided = rows.map((row): RowOutcome => {
    const next = row.newDocumentState;
    const storedRow = stored.get(next.id);
    if (storedRow !== undefined) {
      const current = toDocument(storedRow);
      if (
        current.senderDeviceId !== author.deviceId &&
        current.recipientDeviceId !== author.deviceId
      ) {
        return reject('FORBIDDEN', 'this key envelope is neither from nor to this device');
      }
      if (compare(current, row, FIELDS) === 'same') return UNCHANGED;
      return reject('IMMUTABLE_FIELD', 'key envelopes never change');
    }
    if (row.assumedMasterState !== null) return reject('NOT_FOUND', 'no such key envelope');
    if (next.senderDeviceId !== author.deviceId) {
      return reject('WRONG_SENDER', 'senderDeviceId must be the device you are signed in as');
    }
    if (next._deleted) return reject('INVALID_ROW', 'a key envelope cannot be created deleted');
    const conversationId = next.conversationId as string;
    const refusal = members.refusalFor(conversationId, author.userId);
    if (refusal !== null) return refusal;
    const recipientUser = userOfDevice.get(next.recipientDeviceId as string);
    if (recipientUser === undefined || !members.isActive(conversationId, recipientUser)) {
      return reject('INVALID_REFERENCE', 'recipient is not an active device of a current member');
    }
    const badEnvelope = checks.refusalOf(row);
    if (badEnvelope !== undefined) return badEnvelope;
    candidates.push(next);
    return WRITTEN;
  });

  const epochRefusals = await claimEpochs(
    db,
    author.deviceId,
    candidates.map((next) => ({
      conversationId: next.conversationId as string,
      epoch: next.epoch as number,
    })),
  );
  const epochRefusalOf = (next: WireDocument) =>
    epochRefusals.get(
      epochKeyOf({ conversationId: next.conversationId as string, epoch: next.epoch as number }),
    );
  const inserts = candidates.filter((next) => epochRefusalOf(next) === undefined);
  const outcomes = decided.map((outcome, index): RowOutcome => {
    if (outcome !== WRITTEN) return outcome;
    return epochRefusalOf(rows[index]?.newDocumentState as WireDocument) ?? outcome;
  });

  if (inserts.length === 0) return { outcomes, notifications: [] };
  const { rows: inserted } = await db.query<{ id: string }>({
    name: 'push-insert-key-envelopes',
    text: `INSERT INTO key_envelopes
             (id, conversation_id, epoch, recipient_device_id, sender_device_id, envelope)
           SELECT u.id, u.c, u.epoch, u.recipient, $5::uuid, u.envelope
             FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::uuid[], $6::bytea[])
                  AS u (id, c, epoch, recipient, envelope)
           ON CONFLICT DO NOTHING RETURNING id`,
    values: [
      inserts.map((next) => next.id),
      inserts.map((next) => next.conversationId),
      inserts.map((next) => next.epoch),
      inserts.map((next) => next.recipientDeviceId),
      author.deviceId,
      inserts.map((next) => fromBase64(next.envelope)),
    ],
  });
  const written = new Set(inserted.map((row) => row.id));
  const final = await settleInsertsOnce(
    db,
    'key_envelopes',
    'this recipient already has an envelope for this epoch',
    { rows, outcomes },
    inserts,
    written,
  );
  const recipients = inserts
    .filter((next) => written.has(next.id))
    .map((next) => userOfDevice.get(next.recipientDeviceId as string) as string);
  return {
    outcomes: final,
    notifications:
      recipients.length === 0
        ? []
        : [{ userIds: [...new Set(recipients)], collections: ['keyEnvelopes'] }],
  };
};
