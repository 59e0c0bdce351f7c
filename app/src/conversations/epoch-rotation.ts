import { type EpochState, needsNewEpoch } from '@anochat/protocol';
import type { EpochStatus } from '@anochat/protocol/client';
import { bufferTime, concatMap, filter, map, merge, type Subscription, startWith } from 'rxjs';
import type { ClientCrypto } from '../crypto/client-crypto.ts';
import type { AppDatabase } from '../database/app-database.ts';

/** What this device knows of a conversation's sealing epoch and of what happened since. */
export interface EpochFacts {
  status: EpochStatus;
  /** Messages opened here that were sealed under the epoch. */
  messagesInEpoch: number;
  /** `removedAt` of every removed member (server times, ISO). */
  removals: readonly (string | null | undefined)[];
  /** `revokedAt` of every device of a current member (server times, ISO). */
  revocations: readonly (string | null | undefined)[];
  now: number;
}

const after = (time: string | null | undefined, start: number) =>
  typeof time === 'string' && Date.parse(time) >= start;

/**
 * The protocol's epoch state from local facts. An epoch whose start the server has not told yet
 * (this device's own new conversation) is treated as just started: only its message count counts.
 */
export function epochStateOf(facts: EpochFacts): EpochState {
  const started = facts.status.startedAt;
  return {
    epochStartedAt: started ?? facts.now,
    messagesInEpoch: facts.messagesInEpoch,
    now: facts.now,
    membershipChanged: started !== null && facts.removals.some((at) => after(at, started)),
    deviceRevoked: started !== null && facts.revocations.some((at) => after(at, started)),
  };
}

/** A new epoch is due and this device has none of its own in flight. */
export function rotationDue(facts: EpochFacts): boolean {
  return !facts.status.rotating && needsNewEpoch(epochStateOf(facts));
}

/**
 * How long this device waits before starting a due epoch nobody is sending in (after a removal or
 * a revocation): every member device sees the same event, and all of them rotating at once would be
 * a storm of refused envelopes. The devices take turns in device id order, `stepMs` apart (a device
 * whose turn comes finds the epoch already started and does nothing); one that is not among the
 * members' devices goes last.
 */
export function rotationDelayMs(
  selfDeviceId: string,
  memberDeviceIds: readonly string[],
  stepMs: number,
): number {
  const order = [...new Set(memberDeviceIds)].sort();
  const rank = order.indexOf(selfDeviceId);
  return (rank === -1 ? order.length : rank) * stepMs;
}

export interface EpochRotationOptions {
  /**
   * The server's clock as this device knows it (`SessionService.serverNow`): an epoch's start is a
   * server time. Tests move it on.
   */
  now?: () => number;
  /** Between the turns of member devices starting an epoch after a removal or revocation. */
  turnMs?: number;
}

/**
 * Starts new epochs when `needsNewEpoch` says so (docs/crypto.md, "Epochs"): before a message is
 * sealed (`rotateIfDue`), and, after a member removal or a device revocation, without waiting
 * for someone to write. A new key seals messages only once the server stored its envelopes; a
 * device that lost the race to another takes the winner's key when its envelope arrives.
 */
export function createEpochRotation(
  database: AppDatabase,
  crypto: ClientCrypto,
  options: EpochRotationOptions = {},
) {
  const now = options.now ?? Date.now;
  const turnMs = options.turnMs ?? 20_000;
  const timers = new Map<string, ReturnType<typeof setTimeout>>();

  /** What is known of the conversation's epoch, and its current members (whom it is wrapped for). */
  async function factsOf(conversationId: string) {
    const status = await crypto.epochStatus(conversationId);
    if (status === null) return null;
    const members = await database.members.find({ selector: { conversationId } }).exec();
    const current = await crypto.currentMembers(conversationId);
    const devices = await database.devices
      .find({ selector: { userId: { $in: current.userIds } } })
      .exec();
    const facts: EpochFacts = {
      status,
      messagesInEpoch: await database.messageViews
        .count({ selector: { conversationId, epoch: status.epoch } })
        .exec(),
      removals: members.filter((row) => row.removed).map((row) => row.removedAt),
      revocations: devices.map((row) => row.revokedAt),
      now: now(),
    };
    return { facts, current };
  }

  /** Starts the next epoch if one is due; true if it did. */
  async function rotateIfDue(conversationId: string): Promise<boolean> {
    const known = await factsOf(conversationId);
    if (known === null || !rotationDue(known.facts)) return false;
    const { userIds } = known.current;
    const self = crypto.device;
    if (self === null || !userIds.includes(self.userId)) return false;
    const envelopes = await crypto.startEpoch(conversationId, userIds);
    await database.keyEnvelopes.bulkInsert(envelopes);
    return true;
  }

  /** After a removal or revocation: this device's turn, unless another device was quicker. */
  async function schedule(conversationId: string): Promise<void> {
    if (timers.has(conversationId)) return;
    const known = await factsOf(conversationId);
    if (known === null || !rotationDue(known.facts)) return;
    const state = epochStateOf(known.facts);
    if (!state.membershipChanged && !state.deviceRevoked) return;
    const self = crypto.device;
    if (self === null) return;
    const { deviceIds } = known.current;
    // An admin's device starts the epoch as it removes someone (conversation-actions.ts): the
    // others give it a turn first. Someone who leaves cannot, and that costs the same one turn.
    const headStart = state.membershipChanged ? turnMs : 0;
    const delay = headStart + rotationDelayMs(self.deviceId, deviceIds, turnMs);
    timers.set(
      conversationId,
      setTimeout(() => {
        timers.delete(conversationId);
        rotateIfDue(conversationId).catch((error: unknown) =>
          console.error('AnoChat: starting a new epoch failed', error),
        );
      }, delay),
    );
  }

  /** These conversations, or (null) every conversation this user is a member of. */
  async function scheduleIn(conversationIds: ReadonlySet<string> | null): Promise<void> {
    const self = crypto.device;
    if (self === null) return;
    const memberships = await database.members
      .find({ selector: { userId: self.userId, removed: false, accepted: true } })
      .exec();
    for (const { conversationId } of memberships) {
      if (conversationIds === null || conversationIds.has(conversationId)) {
        await schedule(conversationId);
      }
    }
  }

  let subscription: Subscription | null = null;
  const conversationOf = (event: { documentData: unknown }) =>
    String((event.documentData as { conversationId: string }).conversationId);

  return {
    rotateIfDue,

    /**
     * Watches removals (members), revocations (devices: any conversation may be touched) and new
     * epochs (key envelopes), and checks every conversation once at start.
     */
    start(): void {
      subscription = merge(
        merge(database.members.$, database.keyEnvelopes.$).pipe(map(conversationOf)),
        database.devices.$.pipe(map(() => null)),
      )
        .pipe(
          bufferTime(300),
          filter((events) => events.length > 0),
          startWith([null]),
          map((events) => (events.includes(null) ? null : new Set(events as string[]))),
          concatMap((conversationIds) =>
            scheduleIn(conversationIds).catch((error: unknown) =>
              console.error('AnoChat: checking epochs failed', error),
            ),
          ),
        )
        .subscribe();
    },

    stop(): void {
      subscription?.unsubscribe();
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}

export type EpochRotation = ReturnType<typeof createEpochRotation>;
