import { debounceTime, exhaustMap, merge, type Subscription, startWith } from 'rxjs';
import type { ClientCrypto } from '../crypto/client-crypto.ts';
import type { AppDatabase } from '../database/app-database.ts';

/**
 * Carries conversation keys to devices that lack them: when members or devices change (a member
 * added, someone's new device), this device wraps every epoch key it holds for every active device
 * of every current member it has no envelope for. Another member's device may do the same; the
 * server stores one envelope per device and epoch and refuses the duplicate, which is harmless.
 * A conversation this device created but holds no key for (closed before the key was stored) gets
 * its first epoch here. Every key this device holds is also sealed into the user's key archive.
 */
export function startKeyDistribution(
  database: AppDatabase,
  crypto: ClientCrypto,
  selfUserId: string,
) {
  async function distribute(): Promise<void> {
    const memberships = await database.members
      .find({ selector: { userId: selfUserId, removed: false, accepted: true } })
      .exec();
    const created = await database.conversations
      .find({ selector: { createdBy: selfUserId } })
      .exec();
    const conversationIds = new Set([
      ...memberships.map((row) => row.conversationId),
      ...created.map((row) => row.id),
    ]);
    for (const conversationId of conversationIds) {
      const mine = created.find((row) => row.id === conversationId);
      if (mine !== undefined && !(await crypto.hasKey(conversationId))) {
        const members = await database.members
          .find({ selector: { conversationId, removed: false } })
          .exec();
        const founders = [selfUserId, ...(mine.directPeerId ? [mine.directPeerId] : [])];
        await database.keyEnvelopes.bulkInsert(
          await crypto.startEpoch(conversationId, [
            ...founders,
            ...members.map((row) => row.userId),
          ]),
        );
        continue;
      }
      const missing = await crypto.missingKeyEnvelopes(conversationId);
      if (missing.length > 0) await database.keyEnvelopes.bulkInsert(missing);
      const unarchived = await crypto.missingArchiveEntries(conversationId);
      if (unarchived.length > 0) await database.keyArchive.bulkInsert(unarchived);
    }
  }

  const subscription: Subscription = merge(
    database.users.$,
    database.members.$,
    database.devices.$,
    database.conversations.$,
    database.keyEnvelopes.$,
    database.keyArchive.$,
  )
    .pipe(
      debounceTime(300),
      startWith(null),
      exhaustMap(() =>
        distribute().catch((error: unknown) =>
          console.error('AnoChat: key distribution failed', error),
        ),
      ),
    )
    .subscribe();

  return { stop: () => subscription.unsubscribe() };
}
