// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest';
import type { AppDatabase } from '../database/app-database.ts';
import { openTestDatabase } from '../database/test-database.ts';
import { startReceipts } from './receipts.ts';

const CONVERSATION = '00000000-0000-4000-8000-0000000000c0';

let database: AppDatabase | undefined;
afterEach(async () => {
  if (database !== undefined && !database.closed) await database.remove();
  database = undefined;
});

describe('receipts', () => {
  it('opening a conversation without messages marks nothing and does not fail', async () => {
    database = await openTestDatabase();
    const receipts = startReceipts(database, 'me');
    try {
      await expect(receipts.opened(CONVERSATION)).resolves.toBeUndefined();
      expect(await database.receipts.count().exec()).toBe(0);
    } finally {
      receipts.stop();
    }
  });
});
