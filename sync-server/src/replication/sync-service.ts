import type {
  PullResponse,
  PushRequest,
  PushResponse,
  RejectedRow,
  WireDocument,
} from '@anochat/schemas/rxdb/sync';
import type { Pool } from '../database/pool.ts';
import { isDeviceActive } from '../devices/device-repository.ts';
import type { Logger } from '../logging/logger.ts';
import { createHorizonWatcher } from './horizon-watcher.ts';
import type { SyncNotifier } from './notifier.ts';
import { pullRows } from './pull-queries.ts';
import { type Author, PUSH_HANDLERS, type RowOutcome } from './push-handlers.ts';
import { type ParsedPull, SyncError } from './validation.ts';

export interface SyncServiceOptions {
  pool: Pool;
  notifier: SyncNotifier;
  logger: Logger;
  /** Test-only: each push transaction sleeps up to this long (pg_sleep) after its writes. */
  testPushDelayMaxMs: number;
}

export interface SyncService {
  pull(author: Author, request: ParsedPull): Promise<PullResponse>;
  push(author: Author, request: PushRequest): Promise<PushResponse>;
  close(): void;
}

const MAX_ATTEMPTS = 5;
/** Deadlock and serialization failures: the whole batch is retried. */
const RETRYABLE = new Set(['40P01', '40001']);
const sqlState = (error: unknown) => (error as { code?: unknown })?.code;
/** Data exceptions (22) and constraint violations (23): the row is refused, the batch goes on. */
const isRowError = (error: unknown) => {
  const code = sqlState(error);
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
};

export function createSyncService(options: SyncServiceOptions): SyncService {
  const { pool, notifier, logger } = options;
  const horizon = createHorizonWatcher({
    pool,
    logger,
    publish: (notice) => notifier.publish(notice),
  });

  async function requireActive(author: Author): Promise<void> {
    if (!(await isDeviceActive(pool, author.userId, author.deviceId))) {
      throw new SyncError('UNAUTHENTICATED', 'this device is signed out');
    }
  }

  async function pushOnce(author: Author, request: PushRequest) {
    const handler = PUSH_HANDLERS[request.collection];
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const conflicts: WireDocument[] = [];
      const rejected: RejectedRow[] = [];
      const notices: Extract<RowOutcome, { kind: 'written' }>['notify'][] = [];
      for (const row of request.rows) {
        await client.query('SAVEPOINT push_row');
        let outcome: RowOutcome;
        try {
          outcome = await handler(client, author, row);
        } catch (error) {
          if (!isRowError(error)) throw error;
          logger.debug(
            { err: error, collection: request.collection },
            'push row refused by the database',
          );
          outcome = {
            kind: 'rejected',
            code: 'INVALID_ROW',
            message: 'the row breaks a constraint',
          };
        }
        // A refused row leaves nothing behind, even if its handler wrote before deciding.
        if (outcome.kind === 'rejected' || outcome.kind === 'conflict') {
          await client.query('ROLLBACK TO SAVEPOINT push_row');
        } else {
          await client.query('RELEASE SAVEPOINT push_row');
        }
        if (outcome.kind === 'conflict') conflicts.push(outcome.master);
        if (outcome.kind === 'rejected') {
          rejected.push({
            id: row.newDocumentState.id,
            code: outcome.code,
            message: outcome.message,
          });
        }
        if (outcome.kind === 'written') notices.push(outcome.notify);
      }
      if (options.testPushDelayMaxMs > 0 && notices.length > 0) {
        await client.query('SELECT pg_sleep($1)', [
          (Math.random() * options.testPushDelayMaxMs) / 1000,
        ]);
      }
      // When an older transaction is still open, this commit stays above the pull horizon for a
      // while: the watcher pokes again once it is visible.
      let heldBackBy: string | null = null;
      if (notices.length > 0) {
        const { rows } = await client.query<{ xid: string; oldest: boolean }>(
          `SELECT pg_current_xact_id()::text AS xid,
                  pg_snapshot_xmin(pg_current_snapshot()) = pg_current_xact_id() AS oldest`,
        );
        if (rows[0] !== undefined && !rows[0].oldest) heldBackBy = rows[0].xid;
      }
      await client.query('COMMIT');
      return { response: { conflicts, rejected }, notices, heldBackBy };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  return {
    async pull(author, request) {
      await requireActive(author);
      const rows = await pullRows(pool, request.collection, {
        userId: author.userId,
        deviceId: author.deviceId,
        rev: request.from.rev,
        key: request.from.key,
        limit: request.batchSize,
      });
      const last = rows.at(-1);
      return {
        documents: rows.map((row) => row.document),
        checkpoint: last === undefined ? request.checkpoint : { rev: last.k, id: last.id },
      };
    },

    async push(author, request) {
      await requireActive(author);
      for (let attempt = 1; ; attempt += 1) {
        try {
          const { response, notices, heldBackBy } = await pushOnce(author, request);
          for (const notice of notices) notifier.publish(notice);
          if (heldBackBy !== null) horizon.watch(heldBackBy, notices);
          return response;
        } catch (error) {
          if (!RETRYABLE.has(sqlState(error) as string) || attempt >= MAX_ATTEMPTS) throw error;
          logger.debug({ attempt }, 'push retried after a deadlock');
        }
      }
    },

    close: () => horizon.close(),
  };
}
