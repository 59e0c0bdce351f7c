import { concat, map, type Observable, of, switchMap, timer } from 'rxjs';
import type { AppDatabase, MuteDoc } from '../database/app-database.ts';

/** How long a conversation can be muted for; `null` = until unmuted. */
export const MUTE_CHOICES = [
  { key: '1h', label: 'For 1 hour', ms: 60 * 60 * 1000 },
  { key: '8h', label: 'For 8 hours', ms: 8 * 60 * 60 * 1000 },
  { key: '1w', label: 'For 1 week', ms: 7 * 24 * 60 * 60 * 1000 },
  { key: 'always', label: 'Always', ms: null },
] as const;
export type MuteChoice = (typeof MUTE_CHOICES)[number]['key'];

/** When a mute chosen now ends (the server's format: `Date.toISOString`), or null for always. */
export function muteEnd(choice: MuteChoice, now: number): string | null {
  const ms = MUTE_CHOICES.find((option) => option.key === choice)?.ms ?? null;
  return ms === null ? null : new Date(now + ms).toISOString();
}

/** A mute holds until its end; a mute without one holds until the person unmutes. */
export function isMutedAt(mute: Pick<MuteDoc, 'until'> | undefined, now: number): boolean {
  if (mute === undefined) return false;
  return mute.until === null || Date.parse(mute.until) > now;
}

/** What the list and the chat info say of a mute in force: "Muted" or "Muted until 18:00". */
export function muteLabel(mute: Pick<MuteDoc, 'until'>, now: number): string {
  if (mute.until === null) return 'Muted';
  const end = new Date(mute.until);
  const sameDay = end.toDateString() === new Date(now).toDateString();
  const when = sameDay
    ? end.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
    : end.toLocaleString(undefined, {
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        hour: '2-digit',
        minute: '2-digit',
      });
  return `Muted until ${when}`;
}

/**
 * The mutes in force, by conversation id, emitted again whenever one changes or runs out (a mute
 * ends by its time passing, with no write anywhere).
 */
export function activeMutes$(
  database: AppDatabase,
  now: () => number = Date.now,
): Observable<ReadonlyMap<string, MuteDoc>> {
  return database.mutes.find().$.pipe(
    map((docs) => docs.map((doc) => doc.toJSON() as MuteDoc)),
    switchMap((mutes) => {
      // Now, then again just after the next mute in force runs out.
      const look = (): Observable<ReadonlyMap<string, MuteDoc>> => {
        const at = now();
        const inForce = mutes.filter((mute) => isMutedAt(mute, at));
        const current = of(new Map(inForce.map((mute) => [mute.conversationId, mute] as const)));
        const ends = inForce.flatMap((mute) =>
          mute.until === null ? [] : [Date.parse(mute.until)],
        );
        if (ends.length === 0) return current;
        return concat(current, timer(Math.min(...ends) - at + 1).pipe(switchMap(look)));
      };
      return look();
    }),
  );
}

/**
 * Muting and unmuting (docs/protocol.md, "Mutes"): the row replicates to every device of the
 * person, which all stop notifying and counting the conversation on the badge.
 */
export function createMuteActions(database: AppDatabase, selfUserId: string, now = Date.now) {
  const idOf = (conversationId: string) => `${selfUserId}|${conversationId}`;
  return {
    async mute(conversationId: string, choice: MuteChoice): Promise<void> {
      await database.mutes.upsert({
        id: idOf(conversationId),
        userId: selfUserId,
        conversationId,
        until: muteEnd(choice, now()),
      });
    },
    async unmute(conversationId: string): Promise<void> {
      await (await database.mutes.findOne(idOf(conversationId)).exec())?.remove();
    },
  };
}
