import type pg from 'pg';
import { type Quotas, type RowOutcome, reject } from './types.ts';

/** Any constant: the namespace of the per-user advisory locks the quotas take. */
const QUOTA_LOCK_NAMESPACE = 4_207_010;

/**
 * What the people `author` wants to bring into conversations think of the author: who blocks the
 * author (they cannot be brought in at all), and who knows the author (they are in at once;
 * anyone else gets a message request). Knowing someone means having accepted a direct
 * conversation with them that you are still in, whoever started it.
 */
export interface Consent {
  blocksAuthor: ReadonlySet<string>;
  knowsAuthor: ReadonlySet<string>;
  /** Those with a direct conversation from the author that they have not answered yet. */
  askedByAuthor: ReadonlySet<string>;
  /**
   * Those whose direct invite the author used and which still holds: a direct conversation with
   * them is no request (it counts for nothing else, groups included).
   */
  invitedAuthor: ReadonlySet<string>;
}

export async function loadConsent(
  db: pg.PoolClient,
  authorId: string,
  userIds: readonly string[],
): Promise<Consent> {
  const unique = [...new Set(userIds)];
  if (unique.length === 0) {
    return {
      blocksAuthor: new Set(),
      knowsAuthor: new Set(),
      askedByAuthor: new Set(),
      invitedAuthor: new Set(),
    };
  }
  const { rows } = await db.query<{
    user_id: string;
    blocks: boolean;
    knows: boolean;
    asked: boolean;
    invited: boolean;
  }>({
    name: 'push-consent-of-users',
    text: `SELECT u.id AS user_id,
                  EXISTS (SELECT 1 FROM blocks b
                           WHERE b.blocked_user_id = $1 AND b.user_id = u.id AND NOT b.deleted) AS blocks,
                  EXISTS (SELECT 1 FROM members theirs
                            JOIN conversations c ON c.id = theirs.conversation_id
                            JOIN members mine ON mine.conversation_id = c.id AND mine.user_id = $1
                           WHERE theirs.user_id = u.id AND c.kind = 'direct' AND NOT c.deleted
                             AND theirs.accepted_at IS NOT NULL AND theirs.removed_at IS NULL) AS knows,
                  EXISTS (SELECT 1 FROM conversations c
                            JOIN members theirs ON theirs.conversation_id = c.id AND theirs.user_id = u.id
                           WHERE c.created_by = $1 AND c.direct_peer_id = u.id AND NOT c.deleted
                             AND theirs.accepted_at IS NULL AND theirs.removed_at IS NULL) AS asked,
                  EXISTS (SELECT 1 FROM invite_redemptions r
                            JOIN invites i ON i.id = r.invite_id
                           WHERE r.user_id = $1 AND i.created_by = u.id AND i.conversation_id IS NULL
                             AND i.revoked_at IS NULL AND i.expires_at > now()) AS invited
             FROM unnest($2::uuid[]) AS u (id)`,
    values: [authorId, unique],
  });
  return {
    blocksAuthor: new Set(rows.filter((row) => row.blocks).map((row) => row.user_id)),
    knowsAuthor: new Set(rows.filter((row) => row.knows).map((row) => row.user_id)),
    askedByAuthor: new Set(rows.filter((row) => row.asked).map((row) => row.user_id)),
    invitedAuthor: new Set(rows.filter((row) => row.invited).map((row) => row.user_id)),
  };
}

/**
 * The author's remaining quota of new conversations and message requests for the rolling hour,
 * counted from the stored rows. Takes a per-user transaction lock first, so two pushes of the same
 * user take turns and together never exceed the quota.
 */
export async function remainingQuota(
  db: pg.PoolClient,
  authorId: string,
  quotas: Quotas,
): Promise<QuotaCounter> {
  await db.query({
    name: 'push-quota-lock',
    text: 'SELECT pg_advisory_xact_lock($1, hashtext($2::text))',
    values: [QUOTA_LOCK_NAMESPACE, authorId],
  });
  const { rows } = await db.query<{ conversations: number; requests: number }>({
    name: 'push-quota-usage',
    text: `SELECT (SELECT count(*) FROM conversations
                    WHERE created_by = $1 AND created_at > now() - interval '1 hour')::int AS conversations,
                  (SELECT count(*) FROM members
                    WHERE invited_by = $1 AND invited_at > now() - interval '1 hour'
                      AND (accepted_at IS NULL OR accepted_at > invited_at))::int AS requests`,
    values: [authorId],
  });
  const used = rows[0] ?? { conversations: 0, requests: 0 };
  return new QuotaCounter(quotas, used);
}

/** Spends the quota row by row, in the order the rows are decided. */
export class QuotaCounter {
  constructor(
    private readonly quotas: Quotas,
    private readonly used: { conversations: number; requests: number },
  ) {}

  /** Spends one conversation and `requests` requests, or answers the refusal and spends nothing. */
  spend(conversation: 0 | 1, requests: number): RowOutcome | null {
    if (this.used.conversations + conversation > this.quotas.conversationsPerHour) {
      return reject(
        'QUOTA_EXCEEDED',
        `at most ${this.quotas.conversationsPerHour} new conversations an hour; retry later`,
      );
    }
    if (this.used.requests + requests > this.quotas.requestsPerHour) {
      return reject(
        'QUOTA_EXCEEDED',
        `at most ${this.quotas.requestsPerHour} message requests an hour to people who do not know you; retry later`,
      );
    }
    this.used.conversations += conversation;
    this.used.requests += requests;
    return null;
  }
}
