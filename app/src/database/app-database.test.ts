// @vitest-environment node
// Node, not happy-dom: RxDB elects the tab that runs a schema migration over a BroadcastChannel, an
// election that completes in Node but never under happy-dom.
import { RXDB_SCHEMAS } from '@anochat/schemas/rxdb/sync';
import { createRxDatabase } from 'rxdb';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppDatabase, openAppDatabase } from './app-database.ts';
import { messageViewsSchema, NO_EPOCH } from './local-schemas.ts';
import { openTestDatabase } from './test-database.ts';

let database: AppDatabase | undefined;
afterEach(async () => {
  await database?.remove();
  database = undefined;
});

async function open(): Promise<AppDatabase> {
  database = await openTestDatabase();
  return database;
}

const CONVERSATION = '00000000-0000-4000-8000-0000000000c0';
const USER = '00000000-0000-4000-8000-0000000000b0';
const DEVICE = '00000000-0000-4000-8000-0000000000d0';

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

/** A schema as it was before `fields` were added (version 0): the shape an older app stored. */
function asVersionZero<Schema extends { properties: object; required: readonly string[] }>(
  schema: Schema,
  fields: string[],
  indexes?: string[][],
) {
  const properties = Object.fromEntries(
    Object.entries(schema.properties).filter(([name]) => !fields.includes(name)),
  );
  const required = schema.required.filter((name) => !fields.includes(name));
  return { ...schema, version: 0, properties, required, ...(indexes ? { indexes } : {}) };
}

describe('upgrading the local database', () => {
  it('keeps what an older app stored, with the fields added since at their defaults', async () => {
    const name = `upgrade${Math.random().toString(16).slice(2)}`;
    const storage = getRxStorageDexie();
    const older = await createRxDatabase({ name, storage, multiInstance: false });
    const stored = await older.addCollections({
      members: {
        schema: asVersionZero(RXDB_SCHEMAS.members, ['removedAt', 'accepted', 'invitedBy']),
      },
      conversations: { schema: asVersionZero(RXDB_SCHEMAS.conversations, ['titleChangedAt']) },
      keyEnvelopes: { schema: asVersionZero(RXDB_SCHEMAS.keyEnvelopes, ['epochStartedAt']) },
      messageViews: {
        schema: asVersionZero(
          messageViewsSchema,
          ['epoch'],
          [
            ['conversationId', 'sortKey'],
            ['conversationId', 'newestFirstKey'],
          ],
        ),
      },
    });
    const member = {
      id: `${CONVERSATION}|${USER}`,
      conversationId: CONVERSATION,
      userId: USER,
      role: 'admin',
      removed: false,
    };
    const conversation = {
      id: CONVERSATION,
      kind: 'group',
      titleCiphertext: 'AAEC',
      createdBy: USER,
      directPeerId: null,
    };
    const keyEnvelope = {
      id: '00000000-0000-4000-8000-0000000000e1',
      conversationId: CONVERSATION,
      epoch: 0,
      recipientDeviceId: DEVICE,
      senderDeviceId: DEVICE,
      envelope: 'AAEC',
    };
    const view = {
      id: '00000000-0000-4000-8000-000000000001',
      conversationId: CONVERSATION,
      senderUserId: USER,
      senderDeviceId: DEVICE,
      sortKey: '2026-01-01T10:00:00.000Z|1',
      newestFirstKey: 'x',
      createdAt: '2026-01-01T10:00:00.000Z',
      editedAt: null,
      kind: 'text',
      text: 'written before the upgrade',
      replyTo: null,
      target: null,
      emoji: null,
      synced: true,
      sourceRev: '7',
    };
    await stored.members.insert(member);
    await stored.conversations.insert(conversation);
    await stored.keyEnvelopes.insert(keyEnvelope);
    await stored.messageViews.insert(view);
    await older.close();

    database = await openAppDatabase({ name, storage });
    // Memberships stored before message requests were in conversations the server showed in full.
    expect((await database.members.findOne(member.id).exec())?.toJSON()).toMatchObject({
      ...member,
      accepted: true,
      invitedBy: null,
    });
    expect((await database.conversations.findOne(conversation.id).exec())?.toJSON()).toMatchObject(
      conversation,
    );
    expect((await database.keyEnvelopes.findOne(keyEnvelope.id).exec())?.toJSON()).toMatchObject(
      keyEnvelope,
    );
    const migrated = (await database.messageViews.findOne(view.id).exec())?.toJSON();
    expect(migrated).toMatchObject({ ...view, epoch: NO_EPOCH });
  });
});
