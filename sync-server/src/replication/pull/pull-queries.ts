import type { CollectionName, WireDocument } from '@anochat/schemas/rxdb/sync';
import type { Queryable } from '../../database/pool.ts';
import { DOCUMENT_SHAPES, type Row } from '../documents.ts';

/**
 * One pull query per collection. Each returns the device's rows ordered by (k, key) strictly after
 * the checkpoint and with k below the snapshot's xmin, where k is the row's effective revision for
 * this user (see docs/protocol.md, "Why a pull never skips a row"):
 *
 * - inside a conversation: k = greatest(row.rev, members.joined_rev of the viewer), and a removed
 *   viewer sees only rows with rev < members.removed_rev (plus its own membership row);
 * - profiles of co-members: k = greatest(row.rev, link), link = the largest
 *   greatest(joined_rev, joined_rev) over the conversations the two users share (or ever shared);
 * - devices of co-members: the same over the conversations the device's user accepted (a
 *   request shows nobody your devices; accepting bumps joined_rev), leaving out a direct
 *   conversation the device's user has left (a block);
 * - messages and receipts: only in conversations the viewer accepted;
 * - blocks and mutes: k = rev, only the viewer's own;
 * - key envelopes: k = rev, only those addressed to this device;
 * - the key archive: k = rev, only the entries of this device's user.
 *
 * Every input of k is the id of a transaction that wrote the row or granted its visibility, k never
 * decreases, and k < xmin means all of those transactions have finished.
 *
 * Each collection's query is written once as a body over SQL expressions for the viewer and its
 * position, so the same text serves a device's `pull` (parameters) and the live stream, which asks
 * for many devices in one statement (a LATERAL join over their positions).
 */

/** SQL expressions a body is built from. */
interface Viewer {
  user: string;
  device: string;
  rev: string;
  key0: string;
  key1: string;
  limit: string;
  xmin: string;
}

interface PullSpec {
  body(v: Viewer): string;
  /** The sort key of the body's rows after `k`. */
  order: readonly string[];
}

const shape = DOCUMENT_SHAPES;

/** Users (me included, with link 0) I share or shared a conversation with, and since when. */
const links = (v: Viewer) => `(
    SELECT other.user_id, max(greatest(me.joined_rev, other.joined_rev)) AS link
      FROM members me JOIN members other ON other.conversation_id = me.conversation_id
     WHERE me.user_id = ${v.user} AND other.user_id <> ${v.user}
     GROUP BY other.user_id
    UNION ALL SELECT ${v.user}, '0'::xid8)`;

/**
 * Users whose devices I see, and since when: those in a conversation with me that they accepted
 * (message requests share no devices). A direct conversation they left no longer counts: the only
 * way out of one is a block, after which the blocked user follows their devices no more. Accepting
 * sets the member's joined_rev, so devices seen through an acceptance get k above any checkpoint.
 */
const deviceLinks = (v: Viewer) => `(
    SELECT other.user_id, max(greatest(me.joined_rev, other.joined_rev)) AS link
      FROM members me JOIN members other ON other.conversation_id = me.conversation_id
      JOIN conversations c ON c.id = me.conversation_id
     WHERE me.user_id = ${v.user} AND other.user_id <> ${v.user} AND other.accepted_at IS NOT NULL
       AND (other.removed_at IS NULL OR c.kind = 'group')
     GROUP BY other.user_id
    UNION ALL SELECT ${v.user}, '0'::xid8)`;

const SPECS: Record<CollectionName, PullSpec> = {
  users: {
    order: ['id'],
    body: (v) => `
      SELECT ${shape.users.columns('u')}, greatest(u.rev, l.link) AS k
        FROM ${links(v)} l JOIN users u ON u.id = l.user_id
       WHERE greatest(u.rev, l.link) < ${v.xmin} AND (greatest(u.rev, l.link), u.id) > (${v.rev}, ${v.key0})
       ORDER BY k, u.id LIMIT ${v.limit}`,
  },
  devices: {
    order: ['id'],
    body: (v) => `
      SELECT ${shape.devices.columns('d', v.user)}, greatest(d.rev, l.link) AS k
        FROM ${deviceLinks(v)} l JOIN devices d ON d.user_id = l.user_id
       WHERE greatest(d.rev, l.link) < ${v.xmin} AND (greatest(d.rev, l.link), d.id) > (${v.rev}, ${v.key0})
       ORDER BY k, d.id LIMIT ${v.limit}`,
  },
  conversations: {
    order: ['id'],
    body: (v) => `
      SELECT ${shape.conversations.columns('c')}, greatest(c.rev, mb.joined_rev) AS k
        FROM members mb JOIN conversations c ON c.id = mb.conversation_id
       WHERE mb.user_id = ${v.user} AND (mb.removed_rev IS NULL OR c.rev < mb.removed_rev)
         AND greatest(c.rev, mb.joined_rev) < ${v.xmin}
         AND (greatest(c.rev, mb.joined_rev), c.id) > (${v.rev}, ${v.key0})
       ORDER BY k, c.id LIMIT ${v.limit}`,
  },
  members: {
    order: ['conversation_id', 'user_id'],
    body: (v) => `
      SELECT ${shape.members.columns('o')}, greatest(o.rev, mb.joined_rev) AS k
        FROM members mb JOIN members o ON o.conversation_id = mb.conversation_id
       WHERE mb.user_id = ${v.user}
         AND (o.user_id = ${v.user} OR mb.removed_rev IS NULL OR o.rev < mb.removed_rev)
         AND greatest(o.rev, mb.joined_rev) < ${v.xmin}
         AND (greatest(o.rev, mb.joined_rev), o.conversation_id, o.user_id) > (${v.rev}, ${v.key0}, ${v.key1})
       ORDER BY k, o.conversation_id, o.user_id LIMIT ${v.limit}`,
  },
  receipts: {
    order: ['conversation_id', 'user_id'],
    body: (v) => `
      SELECT ${shape.receipts.columns('o')}, greatest(o.rev, mb.joined_rev) AS k
        FROM members mb JOIN receipts o ON o.conversation_id = mb.conversation_id
       WHERE mb.user_id = ${v.user} AND mb.accepted_at IS NOT NULL
         AND (mb.removed_rev IS NULL OR o.rev < mb.removed_rev)
         AND greatest(o.rev, mb.joined_rev) < ${v.xmin}
         AND (greatest(o.rev, mb.joined_rev), o.conversation_id, o.user_id) > (${v.rev}, ${v.key0}, ${v.key1})
       ORDER BY k, o.conversation_id, o.user_id LIMIT ${v.limit}`,
  },
  // Per conversation of the viewer, two index range scans: the catch-up of rows older than the
  // membership (k = joined_rev, paged by id on messages_conversation_id_idx), only while the
  // checkpoint has not passed joined_rev, and the rows newer than it (k = rev, paged by (rev, id)
  // on messages_conversation_rev_id_idx). Both are already in (k, id) order.
  messages: {
    order: ['id'],
    body: (v) => `
      SELECT x.* FROM
        (SELECT conversation_id, joined_rev, removed_rev FROM members
          WHERE user_id = ${v.user} AND accepted_at IS NOT NULL) mine
        CROSS JOIN LATERAL (
          (SELECT ${shape.messages.columns('m')}, mine.joined_rev AS k FROM messages m
            WHERE mine.joined_rev >= ${v.rev} AND mine.joined_rev < ${v.xmin}
              AND m.conversation_id = mine.conversation_id AND m.rev <= mine.joined_rev
              AND (mine.removed_rev IS NULL OR m.rev < mine.removed_rev)
              AND (mine.joined_rev > ${v.rev} OR m.id > ${v.key0})
            ORDER BY m.id LIMIT ${v.limit})
          UNION ALL
          (SELECT ${shape.messages.columns('m')}, m.rev AS k FROM messages m
            WHERE m.conversation_id = mine.conversation_id
              AND m.rev > mine.joined_rev AND m.rev < ${v.xmin}
              AND (mine.removed_rev IS NULL OR m.rev < mine.removed_rev)
              AND (m.rev, m.id) > (${v.rev}, ${v.key0})
            ORDER BY m.rev, m.id LIMIT ${v.limit})
        ) x
       ORDER BY x.k, x.id LIMIT ${v.limit}`,
  },
  keyEnvelopes: {
    order: ['id'],
    body: (v) => `
      SELECT ${shape.keyEnvelopes.columns('e')}, e.rev AS k FROM key_envelopes e
       WHERE e.recipient_device_id = ${v.device} AND e.rev < ${v.xmin}
         AND (e.rev, e.id) > (${v.rev}, ${v.key0})
       ORDER BY e.rev, e.id LIMIT ${v.limit}`,
  },
  keyArchive: {
    order: ['id'],
    body: (v) => `
      SELECT ${shape.keyArchive.columns('a')}, a.rev AS k FROM key_archive a
       WHERE a.user_id = ${v.user} AND a.rev < ${v.xmin}
         AND (a.rev, a.id) > (${v.rev}, ${v.key0})
       ORDER BY a.rev, a.id LIMIT ${v.limit}`,
  },
  blocks: {
    order: ['user_id', 'blocked_user_id'],
    body: (v) => `
      SELECT ${shape.blocks.columns('b')}, b.rev AS k FROM blocks b
       WHERE b.user_id = ${v.user} AND b.rev < ${v.xmin}
         AND (b.rev, b.user_id, b.blocked_user_id) > (${v.rev}, ${v.key0}, ${v.key1})
       ORDER BY b.rev, b.user_id, b.blocked_user_id LIMIT ${v.limit}`,
  },
  mutes: {
    order: ['user_id', 'conversation_id'],
    body: (v) => `
      SELECT ${shape.mutes.columns('u')}, u.rev AS k FROM mutes u
       WHERE u.user_id = ${v.user} AND u.rev < ${v.xmin}
         AND (u.rev, u.user_id, u.conversation_id) > (${v.rev}, ${v.key0}, ${v.key1})
       ORDER BY u.rev, u.user_id, u.conversation_id LIMIT ${v.limit}`,
  },
};

/**
 * The snapshot every page is cut at: xmin (the horizon: every transaction below it has finished) and
 * xmax (every transaction that committed before the snapshot is below it).
 */
const SNAPSHOT = `snap AS MATERIALIZED (
    SELECT pg_snapshot_xmin(s) AS xmin, pg_snapshot_xmax(s) AS xmax FROM pg_current_snapshot() s)`;

const outerOrder = (spec: PullSpec) => ['p.k', ...spec.order.map((column) => `p.${column}`)];

const VIEWER: Viewer = {
  user: 'req.user_id',
  device: 'req.device_id',
  rev: 'req.rev',
  key0: 'req.key0',
  key1: 'req.key1',
  limit: 'req.page_size',
  xmin: 'snap.xmin',
};

/**
 * One device's page. Always one row at least (the snapshot, with null columns when the page is
 * empty), which also says whether the device is still active, so a pull costs one round trip.
 * `req` is inlined (NOT MATERIALIZED), so the planner sees the parameters as in a plain query.
 */
function buildPullSql(collection: CollectionName): string {
  const spec = SPECS[collection];
  return `WITH ${SNAPSHOT},
    req AS NOT MATERIALIZED (
      SELECT $1::uuid AS user_id, $2::uuid AS device_id, $3::xid8 AS rev, $4::uuid AS key0,
             $5::uuid AS key1, $6::int AS page_size)
    SELECT snap.xmin::text AS horizon, snap.xmax::text AS next_xid,
           EXISTS (SELECT 1 FROM devices WHERE id = req.device_id AND user_id = req.user_id
                                            AND revoked_at IS NULL) AS active,
           p.*, p.k::text AS k_text
      FROM snap CROSS JOIN req LEFT JOIN LATERAL (${spec.body(VIEWER)}) p ON true
     ORDER BY ${outerOrder(spec).join(', ')}`;
}

/** Pages for many devices at once: `slot` says whose row it is; every slot has one row at least. */
function buildStreamSql(collection: CollectionName): string {
  const spec = SPECS[collection];
  return `WITH ${SNAPSHOT},
    req AS (SELECT *, $7::int AS page_size
              FROM unnest($1::int[], $2::uuid[], $3::uuid[], $4::xid8[], $5::uuid[], $6::uuid[])
                   AS r (slot, user_id, device_id, rev, key0, key1))
    SELECT snap.xmin::text AS horizon, snap.xmax::text AS next_xid, req.slot, p.*, p.k::text AS k_text
      FROM snap CROSS JOIN req LEFT JOIN LATERAL (${spec.body(VIEWER)}) p ON true
     ORDER BY req.slot, ${outerOrder(spec).join(', ')}`;
}

const PULL_SQL = Object.fromEntries(
  (Object.keys(SPECS) as CollectionName[]).map((name) => [name, buildPullSql(name)]),
) as Record<CollectionName, string>;
const STREAM_SQL = Object.fromEntries(
  (Object.keys(SPECS) as CollectionName[]).map((name) => [name, buildStreamSql(name)]),
) as Record<CollectionName, string>;

/** A position in a collection's (k, key) order; key holds one uuid, or two for members and receipts. */
export interface Position {
  rev: string;
  key: readonly string[];
}

export interface PullParams extends Position {
  userId: string;
  deviceId: string;
  limit: number;
}

export interface PulledRow {
  k: string;
  /** The key parts of this row, the next position once it is handed out. */
  key: string[];
  document: WireDocument;
}

export interface Page {
  rows: PulledRow[];
  /** xmin of the page's snapshot: every transaction with a smaller id is in the page or before it. */
  horizon: bigint;
  /** xmax of the page's snapshot: every transaction committed before it has a smaller id. */
  nextXid: bigint;
}

const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

export function pullSql(collection: CollectionName): string {
  return PULL_SQL[collection];
}

export function pullParams(p: PullParams): unknown[] {
  return [p.userId, p.deviceId, p.rev, p.key[0], p.key[1] ?? ZERO_UUID, p.limit];
}

function toPulled(collection: CollectionName, row: Row): PulledRow {
  const keyColumns = SPECS[collection].order;
  return {
    k: row.k_text as string,
    key: keyColumns.map((column) => row[column] as string),
    document: DOCUMENT_SHAPES[collection].toDocument(row),
  };
}

/** One device's page, or null if the device is no longer active. */
export async function pullPage(
  db: Queryable,
  collection: CollectionName,
  params: PullParams,
): Promise<Page | null> {
  const { rows } = await db.query<Row>({
    name: `pull-${collection}`,
    text: PULL_SQL[collection],
    values: pullParams(params),
  });
  const first = rows[0];
  if (first === undefined || first.active !== true) return null;
  return {
    rows: first.k_text === null ? [] : rows.map((row) => toPulled(collection, row)),
    horizon: BigInt(first.horizon as string),
    nextXid: BigInt(first.next_xid as string),
  };
}

export interface StreamRequest extends Position {
  userId: string;
  deviceId: string;
}

/** The next page of each of `requests`, from one statement and one snapshot. */
export async function streamPages(
  db: Queryable,
  collection: CollectionName,
  requests: readonly StreamRequest[],
  limit: number,
): Promise<Page[]> {
  const columns: unknown[][] = [[], [], [], [], [], []];
  requests.forEach((request, slot) => {
    columns[0]?.push(slot);
    columns[1]?.push(request.userId);
    columns[2]?.push(request.deviceId);
    columns[3]?.push(request.rev);
    columns[4]?.push(request.key[0]);
    columns[5]?.push(request.key[1] ?? ZERO_UUID);
  });
  const { rows } = await db.query<Row>({
    name: `stream-${collection}`,
    text: STREAM_SQL[collection],
    values: [...columns, limit],
  });
  const pages: Page[] = requests.map(() => ({ rows: [], horizon: 0n, nextXid: 0n }));
  for (const row of rows) {
    const page = pages[row.slot as number] as Page;
    page.horizon = BigInt(row.horizon as string);
    page.nextXid = BigInt(row.next_xid as string);
    if (row.k_text !== null) page.rows.push(toPulled(collection, row));
  }
  return pages;
}
