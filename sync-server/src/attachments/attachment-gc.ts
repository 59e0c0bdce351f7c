import type { Queryable } from '../database/pool.ts';
import type { AttachmentLimits } from './attachment-limits.ts';
import type { BlobStore } from './blob-store.ts';

export interface CollectedBlobs {
  /** Uploads not completed within the expiry. */
  expired: number;
  /** Completed blobs no message in their conversation names after the grace period. */
  orphaned: number;
  /** Blobs of messages deleted for everyone. */
  deleted: number;
  /** Files in the store without a record (a crash between the two removals). */
  strays: number;
}

/**
 * Removes what no one may download any more. The records go first (one statement, so two
 * instances collecting at once never both count a blob), then the files; files listed before the
 * records are read, so an upload created meanwhile (record first, then file) is never a stray.
 */
export async function collectAttachmentGarbage(
  db: Queryable,
  store: BlobStore,
  limits: Pick<AttachmentLimits, 'uploadExpirySeconds' | 'orphanGraceSeconds'>,
): Promise<CollectedBlobs> {
  const files = await store.list();
  const { rows } = await db.query<{ id: string; reason: keyof CollectedBlobs }>(
    `DELETE FROM attachment_blobs b
      WHERE (b.completed_at IS NULL AND b.created_at < now() - make_interval(secs => $1))
         OR (b.completed_at IS NOT NULL AND (
              EXISTS (SELECT 1 FROM messages m WHERE m.id = b.message_id AND m.deleted)
              OR (b.completed_at < now() - make_interval(secs => $2)
                  AND NOT EXISTS (SELECT 1 FROM messages m
                                   WHERE m.id = b.message_id AND m.conversation_id = b.conversation_id))))
      RETURNING b.id,
        CASE WHEN b.completed_at IS NULL THEN 'expired'
             WHEN EXISTS (SELECT 1 FROM messages m WHERE m.id = b.message_id AND m.deleted) THEN 'deleted'
             ELSE 'orphaned' END AS reason`,
    [limits.uploadExpirySeconds, limits.orphanGraceSeconds],
  );
  const collected: CollectedBlobs = { expired: 0, orphaned: 0, deleted: 0, strays: 0 };
  for (const row of rows) {
    await store.remove(row.id);
    collected[row.reason]++;
  }
  const removed = new Set(rows.map((row) => row.id));
  const candidates = files.filter((id) => !removed.has(id));
  if (candidates.length > 0) {
    const known = await db.query<{ id: string }>(
      'SELECT id FROM attachment_blobs WHERE id = ANY($1::uuid[])',
      [candidates],
    );
    const recorded = new Set(known.rows.map((row) => row.id));
    for (const id of candidates) {
      if (recorded.has(id)) continue;
      await store.remove(id);
      collected.strays++;
    }
  }
  return collected;
}
