// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest';
import type { AppDatabase } from '../database/app-database.ts';
import { openTestDatabase } from '../database/test-database.ts';
import { blockedPeople, createBlockActions } from './blocks.ts';

const ME = '00000000-0000-4000-8000-0000000000a1';
const ALICE = '00000000-0000-4000-8000-0000000000a2';
const ZOE = '00000000-0000-4000-8000-0000000000a3';

let database: AppDatabase | undefined;
afterEach(async () => {
  await database?.remove();
  database = undefined;
});

describe('my block list', () => {
  it('blocks, unblocks and blocks again the same person, as one row of mine', async () => {
    database = await openTestDatabase();
    const actions = createBlockActions(database, ME);
    await actions.block(ALICE);
    await actions.block(ALICE);
    const ids = async () => (await database?.blocks.find().exec())?.map((doc) => doc.toJSON());
    expect(await ids()).toEqual([{ id: `${ME}|${ALICE}`, userId: ME, blockedUserId: ALICE }]);
    await actions.unblock(ALICE);
    expect(await ids()).toEqual([]);
    await actions.block(ALICE);
    expect(await ids()).toEqual([{ id: `${ME}|${ALICE}`, userId: ME, blockedUserId: ALICE }]);
    await expect(actions.block(ME)).rejects.toThrow(/yourself/);
  });

  it('names the blocked people, alphabetically, even one whose profile this device lacks', () => {
    const blocks = [ALICE, ZOE, '00000000-0000-4000-8000-0000000000ff'].map((blockedUserId) => ({
      id: `${ME}|${blockedUserId}`,
      userId: ME,
      blockedUserId,
    }));
    const users = [
      { id: ZOE, username: 'zoe', displayName: 'Zoe', identityPublicKey: null },
      { id: ALICE, username: 'alice', displayName: 'Alice', identityPublicKey: null },
    ];
    expect(blockedPeople(blocks, users).map((person) => person.name)).toEqual([
      'Alice',
      'Unknown user',
      'Zoe',
    ]);
  });
});
