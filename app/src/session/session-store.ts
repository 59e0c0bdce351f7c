import type { AppDatabase } from '../database/app-database.ts';

/** What this device keeps to act as its user: ids and tokens (keys are crypto/'s business). */
export interface StoredSession {
  userId: string;
  username: string;
  displayName: string;
  deviceId: string;
  accessToken: string;
  /** ms since 1970. */
  accessTokenExpiresAt: number;
  refreshToken: string;
}

const SESSION_DOC = 'session';

/** The session in the local database (IndexedDB), shared by every tab of this browser profile. */
export function createSessionStore(database: AppDatabase) {
  return {
    async read(): Promise<StoredSession | null> {
      const doc = await database.getLocal<StoredSession>(SESSION_DOC);
      return doc === null ? null : (doc.toJSON().data as StoredSession);
    },
    async write(session: StoredSession): Promise<void> {
      await database.upsertLocal<StoredSession>(SESSION_DOC, session);
    },
    async clear(): Promise<void> {
      const doc = await database.getLocal(SESSION_DOC);
      await doc?.remove();
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
