import type { Pool } from '../database/pool.ts';
import type { Logger } from '../logging/logger.ts';
import type { ChangeNotice } from './notifier.ts';

/**
 * Pulls hand out only rows below the oldest running transaction (xmin). The poke sent right after
 * a commit can reach a device while an older transaction is still open: its pull then returns
 * nothing new, and without a second poke the row would wait for the next write to that device.
 * This watcher sends the notices of such a commit again once the horizon has passed it.
 */
export interface HorizonWatcher {
  /** Re-publishes `notices` once xmin is above `transactionId` (an xid8, decimal). */
  watch(transactionId: string, notices: readonly ChangeNotice[]): void;
  close(): void;
}

interface Pending {
  transactionId: bigint;
  notices: readonly ChangeNotice[];
  since: number;
}

export function createHorizonWatcher(options: {
  pool: Pool;
  publish: (notice: ChangeNotice) => void;
  logger: Logger;
  intervalMs?: number;
  /** A transaction open longer than this is a fault elsewhere; the notices go out regardless. */
  maxWaitMs?: number;
}): HorizonWatcher {
  const { pool, publish, logger, intervalMs = 20, maxWaitMs = 60_000 } = options;
  let pending: Pending[] = [];
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  async function check(): Promise<void> {
    timer = null;
    if (closed || pending.length === 0) return;
    try {
      const { rows } = await pool.query<{ xmin: string }>(
        'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin',
      );
      const horizon = BigInt(rows[0]?.xmin ?? '0');
      const now = Date.now();
      const due = pending.filter(
        (entry) => entry.transactionId < horizon || now - entry.since > maxWaitMs,
      );
      pending = pending.filter((entry) => !due.includes(entry));
      for (const entry of due) {
        if (entry.transactionId >= horizon) {
          logger.warn({ waitedMs: now - entry.since }, 'an open transaction holds pulls back');
        }
        for (const notice of entry.notices) publish(notice);
      }
    } catch (error) {
      logger.warn({ err: error }, 'horizon check failed; retrying');
    }
    schedule();
  }

  function schedule(): void {
    if (timer !== null || closed || pending.length === 0) return;
    timer = setTimeout(() => void check(), intervalMs);
    timer.unref();
  }

  return {
    watch(transactionId, notices) {
      if (closed || notices.length === 0) return;
      pending.push({ transactionId: BigInt(transactionId), notices, since: Date.now() });
      schedule();
    },
    close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      pending = [];
    },
  };
}
