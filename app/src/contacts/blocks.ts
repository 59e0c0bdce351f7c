import { combineLatest, map, type Observable } from 'rxjs';
import type { AppDatabase, BlockDoc, UserDoc } from '../database/app-database.ts';

export interface BlockedPerson {
  userId: string;
  name: string;
  username: string;
}

/** The people I block, by name (someone whose profile this device lacks is still listed). */
export function blockedPeople(
  blocks: readonly BlockDoc[],
  users: readonly UserDoc[],
): BlockedPerson[] {
  const people = new Map(users.map((user) => [user.id, user]));
  return blocks
    .map((block) => {
      const user = people.get(block.blockedUserId);
      return {
        userId: block.blockedUserId,
        name: user?.displayName ?? 'Unknown user',
        username: user?.username ?? '',
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function blockedPeople$(database: AppDatabase): Observable<BlockedPerson[]> {
  return combineLatest([database.blocks.find().$, database.users.find().$]).pipe(
    map(([blocks, users]) =>
      blockedPeople(
        blocks.map((doc) => doc.toJSON() as BlockDoc),
        users.map((doc) => doc.toJSON() as UserDoc),
      ),
    ),
  );
}

/** Ids of the people I block, live. */
export function blockedIds$(database: AppDatabase): Observable<Set<string>> {
  return database.blocks
    .find()
    .$.pipe(map((blocks) => new Set(blocks.map((block) => block.blockedUserId))));
}

/**
 * My block list (docs/protocol.md, "Message requests and blocks"), kept by the server and shared
 * with my devices only; nobody is told or sent a report. Blocking someone makes the server take me
 * out of my direct conversations with them and of their unanswered requests; unblocking restores
 * none of that, it only lets them ask again.
 */
export function createBlockActions(database: AppDatabase, selfUserId: string) {
  const idOf = (userId: string) => `${selfUserId}|${userId}`;
  return {
    async block(userId: string): Promise<void> {
      if (userId === selfUserId) throw new Error('you cannot block yourself');
      await database.blocks.upsert({ id: idOf(userId), userId: selfUserId, blockedUserId: userId });
    },

    async unblock(userId: string): Promise<void> {
      await (await database.blocks.findOne(idOf(userId)).exec())?.remove();
    },
  };
}

export type BlockActions = ReturnType<typeof createBlockActions>;
