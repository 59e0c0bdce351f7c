import type { PushRequest, PushResponse } from '@anochat/schemas/rxdb/sync';
import type { Pool } from '../database/pool.ts';
import { inTransaction } from '../database/transaction.ts';
import type { Logger } from '../logging/logger.ts';
import type { Author } from './author.ts';
import { createLiveStream, type LiveStream } from './live/live-stream.ts';
import type { SyncNotifier } from './live/notifier.ts';
import { pullPage } from './pull/pull-queries.ts';
import type { PullResult } from './pull/pull-result.ts';
import { decidePush, RowByRowNeeded } from './push/run-push.ts';
import {
  checkEnvelopes,
  createSigningKeys,
  type SignatureVerifier,
} from './push/signature-checks.ts';
import { serverSetFields } from './push/stored-fields.ts';
import type { EnvelopeChecks, Quotas } from './push/types.ts';
import { type ParsedPull, SyncError } from './transport/validation.ts';

export interface SyncServiceOptions {
  pool: Pool;
  notifier: SyncNotifier;
  logger: Logger;
  /** crypto-native's VerifyBatch: the signatures of a push batch in one call. */
  verifier: SignatureVerifier;
  /**
   * Test-only: each push transaction that changed something sleeps up to this long (pg_sleep)
   * between its change notices and its commit (a slow commit, or a slow confirmation from Redis).
   */
  testPushDelayMaxMs: number;
  /** New conversations and message requests per user and hour. */
  quotas: Quotas;
  /** The live stream's RESYNC watchdog (live-stream.ts); 0 = off. */
  resyncRepeatMs: number;
  /** Told after each commit that stored new messages, in which conversations (Web Push). */
  onMessagesStored?: (author: Author, conversationIds: readonly string[]) => void;
}

/** A pull's answer, and what the live stream needs to know about the snapshot it was cut at. */
export interface SyncService {
  pull(author: Author, request: ParsedPull): Promise<PullResult>;
  push(author: Author, request: PushRequest): Promise<PushResponse>;
  /** The documents pushed to this instance's connected devices as commits concern them. */
  live: LiveStream;
  close(): void;
}

const MAX_ATTEMPTS = 5;
/** Deadlock and serialization failures: the whole batch is retried. */
const RETRYABLE = new Set(['40P01', '40001']);
const sqlState = (error: unknown) => (error as { code?: unknown })?.code;
const signedOut = () => new SyncError('UNAUTHENTICATED', 'this device is signed out');

export function createSyncService(options: SyncServiceOptions): SyncService {
  const { pool, notifier, logger } = options;
  const live = createLiveStream({ pool, logger, resyncRepeatMs: options.resyncRepeatMs });
  const signingKeys = createSigningKeys(pool);

  /**
   * One transaction: the device is checked, the batch decided and written, then committed. Each
   * change is announced before the commit (so no crash can lose it) and again once committed: the
   * live streams that heard the first notice wait for the commit, and the second one tells them it
   * is visible now, instead of leaving them to find out at their next look (which backs off while
   * the commit takes, up to a second).
   */
  async function pushOnce(
    author: Author,
    request: PushRequest,
    rowByRow: boolean,
    checks: EnvelopeChecks,
  ): Promise<PushResponse> {
    const { response, notices, arrivals } = await inTransaction(pool, async (client) => {
      // The transaction id comes with the device check (one round trip less per push): the live
      // stream needs it to know when this commit has been served.
      const { rows: active } = await client.query<{ xid: string }>({
        name: 'push-device-active',
        text: `SELECT pg_current_xact_id()::text AS xid
                 FROM devices WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL`,
        values: [author.deviceId, author.userId],
      });
      const xid = active[0]?.xid;
      if (xid === undefined) throw signedOut();
      const outcome = await decidePush(
        client,
        author,
        request,
        rowByRow,
        logger,
        checks,
        options.quotas,
      );
      const notices = outcome.notifications.map((notification) => ({ ...notification, xid }));
      // Announced before the commit, to every instance: a notice sent after it would be lost if
      // this process died or stopped in between, and a device live elsewhere would never hear of
      // the change. The live streams wait for the commit itself (by xid) before they serve it.
      await Promise.all(notices.map((notice) => notifier.publish(notice)));
      if (notices.length > 0 && options.testPushDelayMaxMs > 0) {
        await client.query('SELECT pg_sleep($1)', [
          (Math.random() * options.testPushDelayMaxMs) / 1000,
        ]);
      }
      return {
        response: { ...outcome.response, stored: serverSetFields(request, outcome.stored) },
        notices,
        arrivals: outcome.arrivals,
      };
    });
    for (const notice of notices) notifier.committed(notice);
    if (arrivals.length > 0) options.onMessagesStored?.(author, arrivals);
    return response;
  }

  return {
    async pull(author, request) {
      const page = await pullPage(pool, request.collection, {
        userId: author.userId,
        deviceId: author.deviceId,
        rev: request.from.rev,
        key: request.from.key,
        limit: request.batchSize,
      });
      if (page === null) throw signedOut();
      // Every checkpoint the server hands out is below the horizon of its page's snapshot, and the
      // horizon never moves back: one at or above today's horizon was never handed out.
      if (request.checkpoint !== null && BigInt(request.from.rev) >= page.horizon) {
        throw new SyncError(
          'CHECKPOINT_AHEAD',
          'this checkpoint is ahead of the server (never returned by it): pull from null',
        );
      }
      const last = page.rows.at(-1);
      return {
        response: {
          documents: page.rows.map((row) => row.document),
          checkpoint:
            last === undefined ? request.checkpoint : { rev: last.k, id: last.document.id },
        },
        end: last === undefined ? request.from : { rev: last.k, key: last.key },
        horizon: page.horizon,
        nextXid: page.nextXid,
      };
    },

    async push(author, request) {
      let rowByRow = false;
      const checks = await checkEnvelopes(signingKeys, options.verifier, author, request);
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await pushOnce(author, request, rowByRow, checks);
        } catch (error) {
          if (error instanceof RowByRowNeeded && !rowByRow) {
            rowByRow = true;
            continue;
          }
          if (!RETRYABLE.has(sqlState(error) as string) || attempt >= MAX_ATTEMPTS) throw error;
          logger.debug({ attempt }, 'push retried after a deadlock');
        }
      }
    },

    live,
    close: () => live.close(),
  };
}
