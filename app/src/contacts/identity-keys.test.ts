import { filter, firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppDatabase } from '../database/app-database.ts';
import { openTestDatabase } from '../database/test-database.ts';
import { acceptIdentityKey, changedIdentityKeys$, startIdentityKeyWatch } from './identity-keys.ts';

const SELF = '00000000-0000-4000-8000-00000000000a';
const BOB = '00000000-0000-4000-8000-00000000000b';
const key = (fill: string) => `${fill.repeat(43)}=`;

let database: AppDatabase | undefined;
let watch: { stop(): void } | undefined;
afterEach(async () => {
  watch?.stop();
  await database?.remove();
  database = undefined;
});

async function open(): Promise<AppDatabase> {
  database = await openTestDatabase();
  watch = startIdentityKeyWatch(database, SELF);
  return database;
}

const changedTo = (db: AppDatabase, expected: string[]) =>
  firstValueFrom(
    changedIdentityKeys$(db).pipe(filter((ids) => [...ids].join() === expected.join())),
  );

describe("a contact's identity key", () => {
  it('is trusted when first seen, announced when it changes, quiet again once accepted', async () => {
    const db = await open();
    await db.users.insert({
      id: SELF,
      username: 'me',
      displayName: 'Me',
      identityPublicKey: key('A'),
    });
    await db.users.insert({
      id: BOB,
      username: 'bob',
      displayName: 'Bob',
      identityPublicKey: key('B'),
    });
    await expect.poll(async () => (await db.getLocal('identity-keys')) !== null).toBe(true);
    expect(await firstValueFrom(changedIdentityKeys$(db))).toEqual(new Set());

    await db.users.upsert({
      id: BOB,
      username: 'bob',
      displayName: 'Bob',
      identityPublicKey: key('C'),
    });
    expect(await changedTo(db, [BOB])).toEqual(new Set([BOB]));
    // The watch does not quietly take the new key as the known one.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await firstValueFrom(changedIdentityKeys$(db))).toEqual(new Set([BOB]));

    await acceptIdentityKey(db, BOB);
    expect(await changedTo(db, [])).toEqual(new Set());
    // Its own key is never compared with anything.
    await db.users.upsert({
      id: SELF,
      username: 'me',
      displayName: 'Me',
      identityPublicKey: key('D'),
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await firstValueFrom(changedIdentityKeys$(db))).toEqual(new Set());
  });
});
