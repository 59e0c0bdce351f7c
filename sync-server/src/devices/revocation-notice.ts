import type { Pool } from '../database/pool.ts';
import type { Logger } from '../logging/logger.ts';
import type { SyncNotifier } from '../replication/live/notifier.ts';

export interface RevocationNoticeDeps {
  pool: Pool;
  notifier: SyncNotifier;
  logger: Logger;
  /** Closes the revoked device's sockets on this instance. */
  disconnectDevice(deviceId: string): void;
}

/**
 * What follows a device's revocation: its sockets close, and its owner and everyone who shares a
 * conversation with the owner pull the changed device list (their next seal must leave it out).
 */
export function createRevocationNotice(deps: RevocationNoticeDeps) {
  return (userId: string, deviceId: string): void => {
    deps.disconnectDevice(deviceId);
    deps.pool
      .query<{ user_id: string }>(
        `SELECT DISTINCT other.user_id FROM members me
           JOIN members other ON other.conversation_id = me.conversation_id
          WHERE me.user_id = $1`,
        [userId],
      )
      .then(({ rows }) =>
        deps.notifier.publish({
          userIds: [userId, ...rows.map((row) => row.user_id)],
          collections: ['devices'],
        }),
      )
      .catch((error: unknown) =>
        deps.logger.warn({ err: error }, 'device revocation notice failed'),
      );
  };
}
