import type { AppDatabase } from '../database/app-database.ts';

/** Unsent text per conversation, kept in this browser's database (never replicated). */
export function createDrafts(database: AppDatabase) {
  const key = (conversationId: string) => `draft:${conversationId}`;
  return {
    async read(conversationId: string): Promise<string> {
      const doc = await database.getLocal<{ text: string }>(key(conversationId));
      return (doc?.toJSON().data as { text?: string } | undefined)?.text ?? '';
    },
    async write(conversationId: string, text: string): Promise<void> {
      if (text === '') {
        await (await database.getLocal(key(conversationId)))?.remove();
        return;
      }
      await database.upsertLocal(key(conversationId), { text });
    },
  };
}
