import type { CollectionName, WireDocument } from '@anochat/schemas/rxdb/sync';

/**
 * Stored rows as wire documents. Every query that hands documents out (pull, stream, the master
 * state of a push conflict) selects a collection's `columns(alias)`, so one mapping serves them all.
 * Times are formatted by PostgreSQL (the same string `Date.toISOString` gives) and revisions cast to
 * text there: parsing them into Date and BigInt only to print them again is most of a page's cost.
 */
export type Row = Record<string, unknown>;

export interface DocumentShape {
  /** The select list for the table under `alias` (for `devices`: `name` is shown to its owner only). */
  columns(alias: string, viewer?: string): string;
  toDocument(row: Row): WireDocument;
}

export const isoText = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const b64 = (value: unknown) => (value === null ? null : (value as Buffer).toString('base64'));

export const DOCUMENT_SHAPES: Record<CollectionName, DocumentShape> = {
  users: {
    columns: (a) =>
      `${a}.id, ${a}.username, ${a}.display_name, ${a}.identity_public_key, ${a}.deleted,
       ${a}.rev::text AS rev_text`,
    toDocument: (row) => ({
      id: row.id as string,
      username: row.username as string,
      displayName: row.display_name as string,
      identityPublicKey: b64(row.identity_public_key),
      rev: row.rev_text as string,
      _deleted: row.deleted as boolean,
    }),
  },
  devices: {
    columns: (a, viewer = 'NULL::uuid') =>
      `${a}.id, ${a}.user_id, CASE WHEN ${a}.user_id = ${viewer} THEN ${a}.name END AS name,
       ${a}.box_public_key, ${a}.sign_public_key, ${isoText(`${a}.revoked_at`)} AS revoked_at,
       ${a}.certificate, ${a}.revocation, ${a}.rev::text AS rev_text`,
    toDocument: (row) => ({
      id: row.id as string,
      userId: row.user_id as string,
      name: (row.name as string | null) ?? null,
      boxPublicKey: b64(row.box_public_key),
      signPublicKey: b64(row.sign_public_key),
      revokedAt: (row.revoked_at as string | null) ?? null,
      certificate: b64(row.certificate),
      revocation: b64(row.revocation),
      rev: row.rev_text as string,
      _deleted: false,
    }),
  },
  conversations: {
    columns: (a) =>
      `${a}.id, ${a}.kind, ${a}.title_ciphertext, ${a}.created_by, ${a}.direct_peer_id, ${a}.deleted,
       ${isoText(`${a}.title_changed_at`)} AS title_changed_at, ${a}.rev::text AS rev_text`,
    toDocument: (row) => ({
      id: row.id as string,
      kind: row.kind as string,
      titleCiphertext: b64(row.title_ciphertext),
      createdBy: row.created_by as string,
      directPeerId: (row.direct_peer_id as string | null) ?? null,
      titleChangedAt: (row.title_changed_at as string | null) ?? null,
      rev: row.rev_text as string,
      _deleted: row.deleted as boolean,
    }),
  },
  members: {
    columns: (a) =>
      `${a}.conversation_id, ${a}.user_id, ${a}.role, ${a}.removed_at IS NOT NULL AS removed,
       ${isoText(`${a}.removed_at`)} AS removed_at, ${a}.accepted_at IS NOT NULL AS accepted,
       ${a}.invited_by, ${a}.rev::text AS rev_text`,
    toDocument: (row) => ({
      id: `${row.conversation_id}|${row.user_id}`,
      conversationId: row.conversation_id as string,
      userId: row.user_id as string,
      role: row.role as string,
      removed: row.removed as boolean,
      removedAt: (row.removed_at as string | null) ?? null,
      accepted: row.accepted as boolean,
      invitedBy: (row.invited_by as string | null) ?? null,
      rev: row.rev_text as string,
      _deleted: false,
    }),
  },
  messages: {
    columns: (a) =>
      `${a}.id, ${a}.conversation_id, ${a}.sender_device_id, ${a}.envelope,
       ${isoText(`${a}.created_at`)} AS created_at, ${isoText(`${a}.edited_at`)} AS edited_at,
       ${a}.deleted, ${a}.rev::text AS rev_text`,
    toDocument: (row) => ({
      id: row.id as string,
      conversationId: row.conversation_id as string,
      senderDeviceId: row.sender_device_id as string,
      envelope: (row.envelope as Buffer).toString('base64'),
      createdAt: row.created_at as string,
      editedAt: (row.edited_at as string | null) ?? null,
      rev: row.rev_text as string,
      _deleted: row.deleted as boolean,
    }),
  },
  receipts: {
    columns: (a) =>
      `${a}.conversation_id, ${a}.user_id, ${a}.delivered_up_to, ${a}.read_up_to, ${a}.rev::text AS rev_text`,
    toDocument: (row) => ({
      id: `${row.conversation_id}|${row.user_id}`,
      conversationId: row.conversation_id as string,
      userId: row.user_id as string,
      deliveredUpTo: (row.delivered_up_to as string | null) ?? null,
      readUpTo: (row.read_up_to as string | null) ?? null,
      rev: row.rev_text as string,
      _deleted: false,
    }),
  },
  keyEnvelopes: {
    columns: (a) =>
      `${a}.id, ${a}.conversation_id, ${a}.epoch, ${a}.recipient_device_id, ${a}.sender_device_id,
       ${a}.envelope, ${a}.deleted, ${a}.rev::text AS rev_text,
       (SELECT ${isoText('epoch_row.started_at')} FROM conversation_epochs epoch_row
         WHERE epoch_row.conversation_id = ${a}.conversation_id AND epoch_row.epoch = ${a}.epoch
       ) AS epoch_started_at`,
    toDocument: (row) => ({
      id: row.id as string,
      conversationId: row.conversation_id as string,
      epoch: row.epoch as number,
      recipientDeviceId: row.recipient_device_id as string,
      senderDeviceId: row.sender_device_id as string,
      envelope: (row.envelope as Buffer).toString('base64'),
      epochStartedAt: (row.epoch_started_at as string | null) ?? null,
      rev: row.rev_text as string,
      _deleted: row.deleted as boolean,
    }),
  },
  keyArchive: {
    columns: (a) =>
      `${a}.id, ${a}.user_id, ${a}.conversation_id, ${a}.epoch, ${a}.sealed_key, ${a}.deleted,
       ${a}.rev::text AS rev_text`,
    toDocument: (row) => ({
      id: row.id as string,
      userId: row.user_id as string,
      conversationId: row.conversation_id as string,
      epoch: row.epoch as number,
      sealedKey: (row.sealed_key as Buffer).toString('base64'),
      rev: row.rev_text as string,
      _deleted: row.deleted as boolean,
    }),
  },
  blocks: {
    columns: (a) => `${a}.user_id, ${a}.blocked_user_id, ${a}.deleted, ${a}.rev::text AS rev_text`,
    toDocument: (row) => ({
      id: `${row.user_id}|${row.blocked_user_id}`,
      userId: row.user_id as string,
      blockedUserId: row.blocked_user_id as string,
      rev: row.rev_text as string,
      _deleted: row.deleted as boolean,
    }),
  },
  mutes: {
    columns: (a) =>
      `${a}.user_id, ${a}.conversation_id, ${isoText(`${a}.until`)} AS until, ${a}.deleted,
       ${a}.rev::text AS rev_text`,
    toDocument: (row) => ({
      id: `${row.user_id}|${row.conversation_id}`,
      userId: row.user_id as string,
      conversationId: row.conversation_id as string,
      until: (row.until as string | null) ?? null,
      rev: row.rev_text as string,
      _deleted: row.deleted as boolean,
    }),
  },
};
