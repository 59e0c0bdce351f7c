import type { AppDatabase } from '../database/app-database.ts';

/**
 * "Verified" marks: the safety number a person compared with a contact. The mark holds the number
 * itself, so it lapses by itself when either identity key changes (the number changes).
 */
export function createVerifications(database: AppDatabase) {
  const key = (userId: string) => `verified:${userId}`;
  return {
    async verifiedNumber(userId: string): Promise<string | null> {
      const doc = await database.getLocal<{ digits: string }>(key(userId));
      return (doc?.toJSON().data as { digits?: string } | undefined)?.digits ?? null;
    },
    async markVerified(userId: string, digits: string): Promise<void> {
      await database.upsertLocal(key(userId), { digits });
    },
    async clear(userId: string): Promise<void> {
      await (await database.getLocal(key(userId)))?.remove();
    },
  };
}
