import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppDatabase, openAppDatabase } from './app-database.ts';

let database: AppDatabase | undefined;
afterEach(async () => {
  await database?.remove();
  database = undefined;
});

async function open(): Promise<AppDatabase> {
  database = await openAppDatabase({
    name: `test${Math.random().toString(16).slice(2)}`,
    storage: getRxStorageDexie(),
  });
  return database;
}

const CONVERSATION = '00000000-0000-4000-8000-0000000000c0';

describe('the local database', () => {
  it('stores a message that matches the server’s schema', async () => {
    const db = await open();
    await db.messages.insert({
      id: '00000000-0000-4000-8000-000000000001',
      conversationId: CONVERSATION,
      senderDeviceId: '00000000-0000-4000-8000-0000000000d0',
      envelope: 'AAEC',
      createdAt: '2026-01-01T10:00:00.000Z',
      editedAt: null,
    });
    expect((await db.messages.find().exec()).map((doc) => doc.id)).toEqual([
      '00000000-0000-4000-8000-000000000001',
    ]);
  });

  it('refuses a document that breaks the schema (validation is on)', async () => {
    const db = await open();
    await expect(
      db.messages.insert({
        id: 'not-a-uuid',
        conversationId: CONVERSATION,
        senderDeviceId: '00000000-0000-4000-8000-0000000000d0',
        envelope: 'not base64!',
      }),
    ).rejects.toThrow();
    expect(await db.messages.count().exec()).toBe(0);
  });

  it('records a refused row as a failure', async () => {
    const db = await open();
    await db.failures.insert({
      id: 'messages/00000000-0000-4000-8000-000000000001',
      sourceCollection: 'messages',
      conversationId: CONVERSATION,
      code: 'NOT_MEMBER',
      message: 'you are not a member of this conversation',
      at: '2026-01-01T10:00:00.000Z',
    });
    const failure = await db.failures
      .findOne('messages/00000000-0000-4000-8000-000000000001')
      .exec();
    expect(failure?.code).toBe('NOT_MEMBER');
  });
});
