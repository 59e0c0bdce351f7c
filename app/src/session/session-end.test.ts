// @vitest-environment node
import { Dexie } from 'dexie';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClientError } from '../api/api-error.ts';
import type { ServerApi } from '../api/server-api.ts';
import { type AttachmentStore, openAttachmentStore } from '../attachments/attachment-store.ts';
import type { ClientCrypto } from '../crypto/client-crypto.ts';
import type { AppDatabase } from '../database/app-database.ts';
import { NO_EPOCH } from '../database/local-schemas.ts';
import { openTestDatabase } from '../database/test-database.ts';
import {
  discardEndedSession,
  readEndedSession,
  signOutOf,
  unsentAsText,
  unsentAttachments,
  unsentBeforeSignOut,
  unsentMessages,
  unsentSummary,
} from './session-end.ts';
import { createSessionService } from './session-service.ts';
import { createSessionStore } from './session-store.ts';

const CONVERSATION = '00000000-0000-4000-8000-0000000000c0';
const DEVICE = '00000000-0000-4000-8000-0000000000d0';
const SENT = '00000000-0000-4000-8000-000000000001';
const UNSENT = '00000000-0000-4000-8000-000000000002';
const UNSENT_FILE = '00000000-0000-4000-8000-000000000003';

let database: AppDatabase | undefined;
let attachmentStores = 0;
/** A fresh attachment store (Dexie over fake-indexeddb, as in a browser) for each test. */
function attachmentStore(): AttachmentStore {
  attachmentStores += 1;
  return openAttachmentStore(`session-end-attachments-${attachmentStores}`);
}
afterEach(async () => {
  if (database !== undefined && !database.closed) await database.remove();
  database = undefined;
});

/** Whether the attachment store's IndexedDB database still exists (deleted ones do not). */
async function attachmentStoreExists(store: AttachmentStore): Promise<boolean> {
  return (await Dexie.getDatabaseNames()).includes(store.name);
}

/** A file chosen for a message that never went out (its upload half done), and a download. */
async function withAttachments(store: AttachmentStore): Promise<void> {
  await store.outbox.add({
    messageId: UNSENT_FILE,
    conversationId: CONVERSATION,
    fileName: 'holiday.jpg',
    mime: 'image/jpeg',
    size: 2048,
    caption: '',
    blob: new Blob([new Uint8Array(2100)]),
    key: new Uint8Array(32),
    header: new Uint8Array(24),
    contentHash: new Uint8Array(32),
    uploadUrl: 'http://127.0.0.1:1/api/attachments/uploads/x',
    createdAt: Date.parse('2026-01-01T11:00:00.000Z'),
  });
  await store.files.add({
    blobId: '00000000-0000-4000-8000-0000000000f1',
    file: new Blob(['a received picture, decrypted']),
    size: 29,
    usedAt: 1,
  });
}

async function withMessages(unsent: boolean): Promise<AppDatabase> {
  database = await openTestDatabase();
  const message = (id: string, synced: boolean, text: string) => ({
    message: {
      id,
      conversationId: CONVERSATION,
      senderDeviceId: DEVICE,
      envelope: 'AAEC',
      ...(synced ? { rev: '7', createdAt: '2026-01-01T10:00:00.000Z', editedAt: null } : {}),
    },
    view: {
      id,
      conversationId: CONVERSATION,
      senderUserId: 'me',
      senderDeviceId: DEVICE,
      sortKey: `2026-01-01T10:00:00.000Z|${id}`,
      newestFirstKey: `x|${id}`,
      createdAt: '2026-01-01T10:00:00.000Z',
      editedAt: null,
      kind: 'text' as const,
      text,
      replyTo: null,
      target: null,
      emoji: null,
      synced,
      sourceRev: '1-a',
      epoch: NO_EPOCH,
    },
  });
  const rows = [message(SENT, true, 'already delivered')];
  if (unsent) rows.push(message(UNSENT, false, 'see you at eight'));
  await database.messages.bulkInsert(rows.map((row) => row.message));
  await database.messageViews.bulkInsert(rows.map((row) => row.view));
  return database;
}

/** A session whose refresh the server refuses for good (the device was revoked elsewhere). */
async function revokedSession(db: AppDatabase, onSessionEnded: () => void) {
  const store = createSessionStore(db);
  await store.write({
    userId: 'me',
    username: 'alice',
    displayName: 'Alice',
    deviceId: DEVICE,
    accessToken: 'access',
    accessTokenExpiresAt: 0,
    refreshToken: 'refresh',
  });
  const refresh = vi.fn(async () => {
    throw new ClientError('REFRESH_TOKEN_INVALID', 'refresh token is unknown, expired or revoked');
  });
  const session = createSessionService({
    api: { refresh } as unknown as ServerApi,
    store,
    crypto: {} as ClientCrypto,
    deviceName: 'test',
    onSessionEnded,
  });
  await session.restore();
  return { session, store };
}

describe('the end of a session, when messages were never sent', () => {
  it('a revocation (refresh refused) with an unsent message keeps everything, forgets the tokens and asks first', async () => {
    const db = await withMessages(true);
    const onSessionEnded = vi.fn();
    const { session, store } = await revokedSession(db, onSessionEnded);
    await expect(session.accessToken()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(onSessionEnded).toHaveBeenCalledOnce();
    // What main.ts runs when the session service reports the end.
    const stopAccount = vi.fn(async () => undefined);
    const forgetDeviceKeys = vi.fn(async () => undefined);
    const next = await signOutOf(
      { database: db, attachments: attachmentStore(), session, stopAccount, forgetDeviceKeys },
      'session-ended',
    );

    expect(next).toBe('/session-ended');
    expect(stopAccount).toHaveBeenCalledOnce();
    expect(forgetDeviceKeys).toHaveBeenCalledOnce();
    expect(db.closed).toBe(false);
    expect(await store.read()).toBeNull();
    expect(await readEndedSession(db)).toMatchObject({ reason: 'session-ended' });
    const unsent = await unsentMessages(db);
    expect(unsent.map((message) => [message.id, message.text])).toEqual([
      [UNSENT, 'see you at eight'],
    ]);
    const ending = await readEndedSession(db);
    expect(unsentAsText(unsent, ending as NonNullable<typeof ending>)).toContain(
      'see you at eight',
    );
    // Still there until the person decides; then everything goes.
    expect(await db.messages.count().exec()).toBe(2);
    await discardEndedSession(db, attachmentStore());
    expect(db.closed).toBe(true);
  });

  it('with nothing unsent, the local data is wiped as before and the app goes to the login', async () => {
    const db = await withMessages(false);
    const session = { logout: vi.fn(async () => undefined), forget: vi.fn(async () => undefined) };
    const next = await signOutOf(
      {
        database: db,
        attachments: attachmentStore(),
        session,
        stopAccount: async () => undefined,
        forgetDeviceKeys: async () => {},
      },
      'session-ended',
    );
    expect(next).toBe('/login');
    expect(session.forget).toHaveBeenCalledOnce();
    expect(session.logout).not.toHaveBeenCalled();
    expect(db.closed).toBe(true);
  });

  it('a logout signs its revocation while the device keys still exist, and forgets them after', async () => {
    const db = await withMessages(false);
    let keys: 'present' | 'forgotten' = 'present';
    // As the client crypto does: the revocation statement needs the device's identity key.
    const session = {
      logout: vi.fn(async () => {
        if (keys === 'forgotten') throw new Error('crypto: no device keys (not signed in)');
      }),
      forget: vi.fn(async () => undefined),
    };
    const next = await signOutOf(
      {
        database: db,
        attachments: attachmentStore(),
        session,
        stopAccount: async () => undefined,
        forgetDeviceKeys: async () => {
          keys = 'forgotten';
        },
      },
      'logged-out',
    );
    expect(next).toBe('/login');
    expect(session.logout).toHaveBeenCalledOnce();
    expect(keys).toBe('forgotten');
    expect(db.closed).toBe(true);
  });

  it('a logout with a file still in the attachment outbox keeps it and asks first, like an unsent text', async () => {
    const db = await withMessages(false);
    const attachments = attachmentStore();
    await withAttachments(attachments);
    // The warning before the logout counts it.
    const counts = await unsentBeforeSignOut(db, attachments);
    expect(counts).toEqual({ messages: 0, files: 1 });
    expect(unsentSummary(counts.messages, counts.files)).toBe('1 file');
    expect(unsentSummary(2, 1)).toBe('2 messages and 1 file');
    expect(unsentSummary(0, 0)).toBe('');
    const session = { logout: vi.fn(async () => undefined), forget: vi.fn(async () => undefined) };
    const next = await signOutOf(
      {
        database: db,
        attachments,
        session,
        stopAccount: async () => undefined,
        forgetDeviceKeys: async () => {},
      },
      'logged-out',
    );

    expect(next).toBe('/session-ended');
    expect(db.closed).toBe(false);
    expect(await readEndedSession(db)).toMatchObject({ reason: 'logged-out' });
    expect(await unsentMessages(db)).toEqual([]);
    // The file, with all it needs to be saved or sent later, is still there.
    expect(await unsentAttachments(attachments)).toEqual([
      {
        messageId: UNSENT_FILE,
        conversationId: CONVERSATION,
        fileName: 'holiday.jpg',
        size: 2048,
        chosenAt: '2026-01-01T11:00:00.000Z',
      },
    ]);
    expect((await attachments.outbox.get(UNSENT_FILE))?.blob.size).toBe(2100);
    // Decrypted downloads are nothing unsent: they go at once.
    expect(await attachments.files.count()).toBe(0);

    // The person decided: the file goes with the rest.
    await discardEndedSession(db, attachments);
    expect(db.closed).toBe(true);
    expect(await attachmentStoreExists(attachments)).toBe(false);
  });

  it('with nothing unsent, a sign-out deletes the attachment store (downloads) with the database', async () => {
    const db = await withMessages(false);
    const attachments = attachmentStore();
    await attachments.files.add({
      blobId: '00000000-0000-4000-8000-0000000000f2',
      file: new Blob(['decrypted']),
      size: 9,
      usedAt: 1,
    });
    const next = await signOutOf(
      {
        database: db,
        attachments,
        session: { logout: async () => undefined, forget: async () => undefined },
        stopAccount: async () => undefined,
        forgetDeviceKeys: async () => {},
      },
      'session-ended',
    );
    expect(next).toBe('/login');
    expect(db.closed).toBe(true);
    expect(await attachmentStoreExists(attachments)).toBe(false);
  });
});
