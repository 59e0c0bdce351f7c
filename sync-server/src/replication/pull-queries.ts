import type { CollectionName, WireDocument } from '@anochat/schemas/rxdb/sync';
import type { Queryable } from '../database/pool.ts';

/**
 * One pull query per collection. Each returns the device's rows ordered by (k, key) strictly after
 * the checkpoint and with k below the snapshot's xmin, where k is the row's effective revision for
 * this user (see docs/protocol.md, "Why a pull never skips a row"):
 *
 * - inside a conversation: k = greatest(row.rev, members.joined_rev of the viewer), and a removed
 *   viewer sees only rows with rev < members.removed_rev (plus its own membership row);
 * - profiles and devices of co-members: k = greatest(row.rev, link), link = the largest
 *   greatest(joined_rev, joined_rev) over the conversations the two users share (or ever shared);
 * - key envelopes: k = rev, only those addressed to this device.
 *
 * Every input of k is the id of a transaction that wrote the row or granted its visibility, k never
 * decreases, and k < xmin means all of those transactions have finished.
 */

export interface PullParams {
  userId: string;
  deviceId: string;
  rev: string;
  /** The checkpoint id split into its uuid parts (one, or two for members and receipts). */
  key: readonly string[];
  limit: number;
}

export interface PulledRow {
  k: string;
  id: string;
  document: WireDocument;
}

const SNAPSHOT = 'snap AS MATERIALIZED (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin)';

/** Users (other than me) I share or shared a conversation with, and since which transaction. */
const LINKS = `links AS (
    SELECT other.user_id, max(greatest(me.joined_rev, other.joined_rev)) AS link
      FROM members me JOIN members other ON other.conversation_id = me.conversation_id
     WHERE me.user_id = $1 AND other.user_id <> $1
     GROUP BY other.user_id
    UNION ALL SELECT $1::uuid, '0'::xid8)`;

const b64 = (value: Buffer | null) => (value === null ? null : value.toString('base64'));
const iso = (value: Date | null) => (value === null ? null : value.toISOString());

type Row = Record<string, unknown>;

interface PullSpec {
  sql: string;
  params(p: PullParams): unknown[];
  toDocument(row: Row): WireDocument;
}

export function userDocument(row: Row): WireDocument {
  return {
    id: row.id as string,
    username: row.username as string,
    displayName: row.display_name as string,
    rev: row.rev_text as string,
    _deleted: row.deleted as boolean,
  };
}

export function conversationDocument(row: Row): WireDocument {
  return {
    id: row.id as string,
    kind: row.kind as string,
    titleCiphertext: b64(row.title_ciphertext as Buffer | null),
    createdBy: row.created_by as string,
    directPeerId: (row.direct_peer_id as string | null) ?? null,
    rev: row.rev_text as string,
    _deleted: row.deleted as boolean,
  };
}

export function memberDocument(row: Row): WireDocument {
  return {
    id: `${row.conversation_id}|${row.user_id}`,
    conversationId: row.conversation_id as string,
    userId: row.user_id as string,
    role: row.role as string,
    removed: row.removed_at !== null,
    rev: row.rev_text as string,
    _deleted: false,
  };
}

export function messageDocument(row: Row): WireDocument {
  return {
    id: row.id as string,
    conversationId: row.conversation_id as string,
    senderDeviceId: row.sender_device_id as string,
    envelope: (row.envelope as Buffer).toString('base64'),
    createdAt: (row.created_at as Date).toISOString(),
    editedAt: iso(row.edited_at as Date | null),
    rev: row.rev_text as string,
    _deleted: row.deleted as boolean,
  };
}

export function receiptDocument(row: Row): WireDocument {
  return {
    id: `${row.conversation_id}|${row.user_id}`,
    conversationId: row.conversation_id as string,
    userId: row.user_id as string,
    deliveredUpTo: (row.delivered_up_to as string | null) ?? null,
    readUpTo: (row.read_up_to as string | null) ?? null,
    rev: row.rev_text as string,
    _deleted: false,
  };
}

export function keyEnvelopeDocument(row: Row): WireDocument {
  return {
    id: row.id as string,
    conversationId: row.conversation_id as string,
    epoch: row.epoch as number,
    recipientDeviceId: row.recipient_device_id as string,
    senderDeviceId: row.sender_device_id as string,
    envelope: (row.envelope as Buffer).toString('base64'),
    rev: row.rev_text as string,
    _deleted: row.deleted as boolean,
  };
}

const single = (p: PullParams) => [p.userId, p.rev, p.key[0], p.limit];
const pair = (p: PullParams) => [p.userId, p.rev, p.key[0], p.key[1], p.limit];

const SPECS: Record<CollectionName, PullSpec> = {
  users: {
    sql: `WITH ${SNAPSHOT}, ${LINKS},
      v AS (SELECT u.*, greatest(u.rev, l.link) AS k FROM links l JOIN users u ON u.id = l.user_id)
      SELECT v.*, v.k::text AS k_text, v.rev::text AS rev_text FROM v, snap
       WHERE v.k < snap.xmin AND (v.k, v.id) > ($2::xid8, $3::uuid)
       ORDER BY v.k, v.id LIMIT $4`,
    params: single,
    toDocument: userDocument,
  },
  devices: {
    sql: `WITH ${SNAPSHOT}, ${LINKS},
      v AS (SELECT d.*, greatest(d.rev, l.link) AS k FROM links l JOIN devices d ON d.user_id = l.user_id)
      SELECT v.*, v.k::text AS k_text, v.rev::text AS rev_text FROM v, snap
       WHERE v.k < snap.xmin AND (v.k, v.id) > ($2::xid8, $3::uuid)
       ORDER BY v.k, v.id LIMIT $4`,
    params: single,
    toDocument: (row) => ({
      id: row.id as string,
      userId: row.user_id as string,
      name: row.user_id === row.viewer ? (row.name as string) : null,
      boxPublicKey: (row.box_public_key as Buffer).toString('base64'),
      signPublicKey: (row.sign_public_key as Buffer).toString('base64'),
      revokedAt: iso(row.revoked_at as Date | null),
      rev: row.rev_text as string,
      _deleted: false,
    }),
  },
  conversations: {
    sql: `WITH ${SNAPSHOT},
      v AS (SELECT c.*, greatest(c.rev, mb.joined_rev) AS k
              FROM members mb JOIN conversations c ON c.id = mb.conversation_id
             WHERE mb.user_id = $1 AND (mb.removed_rev IS NULL OR c.rev < mb.removed_rev))
      SELECT v.*, v.k::text AS k_text, v.rev::text AS rev_text FROM v, snap
       WHERE v.k < snap.xmin AND (v.k, v.id) > ($2::xid8, $3::uuid)
       ORDER BY v.k, v.id LIMIT $4`,
    params: single,
    toDocument: conversationDocument,
  },
  members: {
    sql: `WITH ${SNAPSHOT},
      v AS (SELECT o.*, greatest(o.rev, mb.joined_rev) AS k
              FROM members mb JOIN members o ON o.conversation_id = mb.conversation_id
             WHERE mb.user_id = $1
               AND (o.user_id = $1 OR mb.removed_rev IS NULL OR o.rev < mb.removed_rev))
      SELECT v.*, v.k::text AS k_text, v.rev::text AS rev_text FROM v, snap
       WHERE v.k < snap.xmin AND (v.k, v.conversation_id, v.user_id) > ($2::xid8, $3::uuid, $4::uuid)
       ORDER BY v.k, v.conversation_id, v.user_id LIMIT $5`,
    params: pair,
    toDocument: memberDocument,
  },
  receipts: {
    sql: `WITH ${SNAPSHOT},
      v AS (SELECT o.*, greatest(o.rev, mb.joined_rev) AS k
              FROM members mb JOIN receipts o ON o.conversation_id = mb.conversation_id
             WHERE mb.user_id = $1 AND (mb.removed_rev IS NULL OR o.rev < mb.removed_rev))
      SELECT v.*, v.k::text AS k_text, v.rev::text AS rev_text FROM v, snap
       WHERE v.k < snap.xmin AND (v.k, v.conversation_id, v.user_id) > ($2::xid8, $3::uuid, $4::uuid)
       ORDER BY v.k, v.conversation_id, v.user_id LIMIT $5`,
    params: pair,
    toDocument: receiptDocument,
  },
  // Per conversation of the viewer, two index range scans: the catch-up of rows older than the
  // membership (k = joined_rev, paged by id on messages_conversation_id_idx), only while the
  // checkpoint has not passed joined_rev, and the rows newer than it (k = rev, paged by (rev, id)
  // on messages_conversation_rev_id_idx). Both are already in (k, id) order.
  messages: {
    sql: `WITH ${SNAPSHOT},
      mine AS (SELECT conversation_id, joined_rev, removed_rev FROM members WHERE user_id = $1)
      SELECT x.*, x.k::text AS k_text, x.rev::text AS rev_text
        FROM mine CROSS JOIN snap CROSS JOIN LATERAL (
          (SELECT m.*, mine.joined_rev AS k FROM messages m
            WHERE mine.joined_rev >= $2::xid8 AND mine.joined_rev < snap.xmin
              AND m.conversation_id = mine.conversation_id AND m.rev <= mine.joined_rev
              AND (mine.removed_rev IS NULL OR m.rev < mine.removed_rev)
              AND (mine.joined_rev > $2::xid8 OR m.id > $3::uuid)
            ORDER BY m.id LIMIT $4)
          UNION ALL
          (SELECT m.*, m.rev AS k FROM messages m
            WHERE m.conversation_id = mine.conversation_id
              AND m.rev > mine.joined_rev AND m.rev < snap.xmin
              AND (mine.removed_rev IS NULL OR m.rev < mine.removed_rev)
              AND (m.rev, m.id) > ($2::xid8, $3::uuid)
            ORDER BY m.rev, m.id LIMIT $4)
        ) x
       ORDER BY x.k, x.id LIMIT $4`,
    params: single,
    toDocument: messageDocument,
  },
  keyEnvelopes: {
    sql: `WITH ${SNAPSHOT}
      SELECT e.*, e.rev AS k, e.rev::text AS k_text, e.rev::text AS rev_text FROM key_envelopes e, snap
       WHERE e.recipient_device_id = $1 AND e.rev < snap.xmin AND (e.rev, e.id) > ($2::xid8, $3::uuid)
       ORDER BY e.rev, e.id LIMIT $4`,
    params: (p) => [p.deviceId, p.rev, p.key[0], p.limit],
    toDocument: keyEnvelopeDocument,
  },
};

export function pullSql(collection: CollectionName): string {
  return SPECS[collection].sql;
}

export function pullParams(collection: CollectionName, params: PullParams): unknown[] {
  return SPECS[collection].params(params);
}

/** The rows of one pull page, in (k, id) order. */
export async function pullRows(
  db: Queryable,
  collection: CollectionName,
  params: PullParams,
): Promise<PulledRow[]> {
  const spec = SPECS[collection];
  const { rows } = await db.query<Row>(spec.sql, spec.params(params));
  return rows.map((row) => {
    const document = spec.toDocument({ ...row, viewer: params.userId });
    return { k: row.k_text as string, id: document.id, document };
  });
}
