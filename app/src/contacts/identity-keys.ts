import { combineLatest, concatMap, map, type Observable } from 'rxjs';
import type { AppDatabase } from '../database/app-database.ts';

/**
 * The identity key this device accepted for each contact: the first one it saw (trust on first
 * use), or a later one the person accepted after being told. A contact whose published key differs
 * is announced in their chat and in the safety numbers, since only a new account or a lying server
 * changes it (docs/crypto.md).
 */
interface AcceptedKeys {
  keys: Record<string, string>;
}

const DOC = 'identity-keys';

async function readAccepted(database: AppDatabase): Promise<Record<string, string>> {
  const doc = await database.getLocal<AcceptedKeys>(DOC);
  return { ...((doc?.toJSON().data as AcceptedKeys | undefined)?.keys ?? {}) };
}

/** Records the key of every contact seen for the first time; keeps running while signed in. */
export function startIdentityKeyWatch(database: AppDatabase, selfUserId: string) {
  const subscription = database.users
    .find()
    .$.pipe(
      // One update at a time: two batches of users must not overwrite each other's records.
      concatMap(async (users) => {
        try {
          const accepted = await readAccepted(database);
          let added = false;
          for (const user of users) {
            if (user.id === selfUserId || user.identityPublicKey === null) continue;
            if (accepted[user.id] !== undefined) continue;
            accepted[user.id] = user.identityPublicKey;
            added = true;
          }
          if (added) await database.upsertLocal<AcceptedKeys>(DOC, { keys: accepted });
        } catch (error) {
          console.error('AnoChat: recording identity keys failed', error);
        }
      }),
    )
    .subscribe();
  return { stop: () => subscription.unsubscribe() };
}

/** The contacts whose published identity key is not the one this device accepted. */
export function changedIdentityKeys$(database: AppDatabase): Observable<Set<string>> {
  return combineLatest([database.users.find().$, database.getLocal$<AcceptedKeys>(DOC)]).pipe(
    map(([users, doc]) => {
      const accepted = (doc?.toJSON().data as AcceptedKeys | undefined)?.keys ?? {};
      const changed = new Set<string>();
      for (const user of users) {
        const known = accepted[user.id];
        if (known !== undefined && user.identityPublicKey !== known) changed.add(user.id);
      }
      return changed;
    }),
  );
}

/** The person was told and accepts the contact's current key (after comparing safety numbers). */
export async function acceptIdentityKey(database: AppDatabase, userId: string): Promise<void> {
  const user = await database.users.findOne(userId).exec();
  if (user === null || user.identityPublicKey === null) return;
  const accepted = await readAccepted(database);
  accepted[userId] = user.identityPublicKey;
  await database.upsertLocal<AcceptedKeys>(DOC, { keys: accepted });
}
