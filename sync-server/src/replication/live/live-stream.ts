import {
  COLLECTIONS,
  type CollectionName,
  type StreamEvent,
  SYNC_LIMITS,
} from '@anochat/schemas/rxdb/sync';
import type { Pool } from '../../database/pool.ts';
import type { Logger } from '../../logging/logger.ts';
import { type Position, streamPages } from '../pull/pull-queries.ts';
import type { PullResult } from '../pull/pull-result.ts';
import type { ChangeNotice } from './notifier.ts';

/**
 * The live half of RxDB's pull (`stream$`): `{ collection, documents, checkpoint }` pushed to a
 * device as commits concern it, and `{ collection, resync: true }` whenever the server cannot serve
 * documents safely. docs/protocol.md ("The live stream") gives the argument; in short:
 *
 * - A device's documents come from the same query as its pulls, from the position the server knows
 *   it will stand at (`cursor`), below the snapshot's xmin, so a stream event is exactly the next
 *   pull page and its checkpoint never passes a row that could still commit below it.
 * - The cursor is known only after a pull answered fewer rows than asked (RxDB stops pulling
 *   then): the collection turns `live` at that position. Every new pull turns it back to
 *   `resync`; if documents were streamed since the previous pull arrived, RxDB may apply them after
 *   this pull's answer, so the server follows the answer with RESYNC and the device pulls again.
 * - A notice (a commit concerning the user, from any instance) marks the user's devices pending
 *   with the commit's transaction id. One query per collection serves every pending live device of
 *   this instance at once (batched on their positions); a device stays pending until the horizon
 *   of a query has passed its newest notice, so commits held back by older open transactions are
 *   streamed as soon as they become visible.
 * - A new connection gets RESYNC for `messages` first, and for the other collections once messages
 *   were pulled (or after DEFERRED_RESYNC_MS).
 * - A collection is out of live mode from a RESYNC until the pull it asks for. A RESYNC can be lost
 *   on the device (RxDB 17.6 drops one queued behind a documents event), so while a collection is
 *   not live and no pull of it is running, the RESYNC is sent again: first after `resyncRepeatMs`,
 *   then at doubling intervals up to RESYNC_REPEAT_MAX_MS, until a pull arrives.
 */
export interface StreamSubscriber {
  userId: string;
  deviceId: string;
  send(event: StreamEvent): void;
}

export interface LiveStream {
  /**
   * Starts serving a connected device: RESYNC for every collection, unless `resync` is false (the
   * device pulls every collection as it connects; the watchdog still asks if it does not).
   * Returns the detach.
   */
  attach(subscriber: StreamSubscriber, options?: { resync: boolean }): () => void;
  /** A pull of `collection` arrived from this device. */
  pullStarted(subscriber: StreamSubscriber, collection: CollectionName): void;
  /** The pull was answered (`result`), or failed (null), after its answer was sent. */
  pullFinished(
    subscriber: StreamSubscriber,
    collection: CollectionName,
    batchSize: number,
    result: PullResult | null,
  ): void;
  notify(notice: ChangeNotice): void;
  /**
   * Notices may have been lost (the link to the other instances dropped): every attached device
   * looks again, as after a notice without transaction id.
   */
  noticesMayBeLost(): void;
  close(): void;
}

interface CollectionState {
  mode: 'resync' | 'live';
  cursor: Position;
  /** Bumped when a pull arrives: a stream query started before it is stale for this device. */
  generation: number;
  pullsInFlight: number;
  /** Documents were streamed since the last pull arrived. */
  streamedSincePull: boolean;
  /** A pull arrived after documents were streamed: RESYNC once the pulls are done. */
  resyncAfterPull: boolean;
  /** The newest notified commit not known to be served yet. */
  pendingXid: bigint | null;
  /** A notice without a transaction id not served yet. */
  pendingUnknown: boolean;
  /** When the last RESYNC was sent or the last pull ended (ms): the watchdog waits from there. */
  quietSince: number;
  /** The watchdog's current wait before sending RESYNC again (doubles, reset when live). */
  repeatMs: number;
}

interface Device {
  subscriber: StreamSubscriber;
  states: Map<CollectionName, CollectionState>;
  attached: boolean;
  /** Collections whose connection RESYNC waits until messages were pulled (or a moment). */
  deferred: CollectionName[];
  deferTimer: NodeJS.Timeout | null;
}

interface CollectionRunner {
  pending: Set<Device>;
  running: boolean;
  /** Something new arrived (notice, full page, a device turned live): run without waiting. */
  urgent: boolean;
  timer: NodeJS.Timeout | null;
  /** Wait between queries while devices only wait for the horizon; grows while nothing is new. */
  horizonWaitMs: number;
}

export interface LiveStreamOptions {
  pool: Pool;
  logger: Logger;
  /** Documents per stream event (the next page of a device). */
  pageSize?: number;
  /** Devices served by one query. */
  devicesPerQuery?: number;
  horizonWaitMs?: { min: number; max: number };
  /**
   * First wait before a RESYNC is sent again to a collection that did not pull after it
   * (0: never; then a device that loses a RESYNC stays out of live mode until it pulls by itself).
   */
  resyncRepeatMs?: number;
}

/** The longest wait between two RESYNCs the watchdog sends to a collection that does not pull. */
export const RESYNC_REPEAT_MAX_MS = 30_000;
/** How often the watchdog looks (it serves waits of at least this much). */
const WATCHDOG_TICK_MS = 500;
/**
 * A new connection pulls messages first: on a link that drops often, every frame before the
 * messages arrive is one more chance to lose the connection again, so the other collections'
 * RESYNCs follow once messages were pulled, or after this long.
 */
const FIRST_AT_CONNECT: CollectionName = 'messages';
const DEFERRED_RESYNC_MS = 1_000;

const resync = (collection: CollectionName): StreamEvent => ({ collection, resync: true });
const max = (a: bigint | null, b: bigint) => (a === null || b > a ? b : a);

export function createLiveStream(options: LiveStreamOptions): LiveStream {
  const { pool, logger } = options;
  const pageSize = options.pageSize ?? SYNC_LIMITS.maxPullBatchSize;
  const devicesPerQuery = options.devicesPerQuery ?? 500;
  const wait = options.horizonWaitMs ?? { min: 5, max: 1000 };
  const resyncRepeatMs = options.resyncRepeatMs ?? 2_000;
  const byUser = new Map<string, Set<Device>>();
  const bySubscriber = new Map<StreamSubscriber, Device>();
  const runners = new Map<CollectionName, CollectionRunner>(
    COLLECTIONS.map((collection) => [
      collection,
      { pending: new Set(), running: false, urgent: false, timer: null, horizonWaitMs: wait.min },
    ]),
  );
  let closed = false;

  function stateOf(device: Device, collection: CollectionName): CollectionState {
    let state = device.states.get(collection);
    if (state === undefined) {
      state = {
        mode: 'resync',
        cursor: { rev: '0', key: [] },
        generation: 0,
        pullsInFlight: 0,
        streamedSincePull: false,
        resyncAfterPull: false,
        pendingXid: null,
        pendingUnknown: false,
        quietSince: Date.now(),
        repeatMs: resyncRepeatMs,
      };
      device.states.set(collection, state);
    }
    return state;
  }

  const isPending = (state: CollectionState) => state.pendingXid !== null || state.pendingUnknown;

  /** Out of live mode until the device pulls; the watchdog repeats this while it does not. */
  function sendResync(device: Device, collection: CollectionName, state: CollectionState) {
    state.mode = 'resync';
    state.quietSince = Date.now();
    device.subscriber.send(resync(collection));
  }

  function sendDeferred(device: Device) {
    if (device.deferTimer !== null) clearTimeout(device.deferTimer);
    device.deferTimer = null;
    const deferred = device.deferred;
    device.deferred = [];
    if (!device.attached) return;
    for (const collection of deferred) {
      const state = stateOf(device, collection);
      // A pull of it already came: that pull serves what the RESYNC would have asked for.
      if (state.mode === 'resync' && state.pullsInFlight === 0 && state.generation === 0) {
        sendResync(device, collection, state);
      }
    }
  }

  function watchdog() {
    const now = Date.now();
    for (const device of bySubscriber.values()) {
      for (const [collection, state] of device.states) {
        if (state.mode === 'live' || state.pullsInFlight > 0) continue;
        if (now - state.quietSince < state.repeatMs) continue;
        state.repeatMs = Math.min(RESYNC_REPEAT_MAX_MS, state.repeatMs * 2);
        sendResync(device, collection, state);
      }
    }
  }
  const watchdogTimer =
    resyncRepeatMs > 0 ? setInterval(watchdog, Math.min(WATCHDOG_TICK_MS, resyncRepeatMs)) : null;
  watchdogTimer?.unref();

  function markPending(device: Device, collection: CollectionName, urgent: boolean) {
    const runner = runners.get(collection) as CollectionRunner;
    runner.pending.add(device);
    schedule(collection, urgent);
  }

  function schedule(collection: CollectionName, urgent: boolean) {
    const runner = runners.get(collection) as CollectionRunner;
    if (closed || runner.pending.size === 0) return;
    if (urgent) {
      runner.urgent = true;
      runner.horizonWaitMs = wait.min;
    }
    if (runner.running) return;
    if (runner.urgent && runner.timer !== null) {
      clearTimeout(runner.timer);
      runner.timer = null;
    }
    if (runner.timer !== null) return;
    runner.timer = setTimeout(
      () => {
        runner.timer = null;
        void run(collection);
      },
      runner.urgent ? 0 : runner.horizonWaitMs,
    );
    runner.timer.unref();
  }

  /** One query for the pending live devices of this collection (up to devicesPerQuery). */
  async function run(collection: CollectionName): Promise<void> {
    const runner = runners.get(collection) as CollectionRunner;
    if (closed || runner.running) return;
    runner.running = true;
    const wasUrgent = runner.urgent;
    runner.urgent = false;
    const batch: {
      device: Device;
      state: CollectionState;
      generation: number;
      unknown: boolean;
    }[] = [];
    for (const device of runner.pending) {
      runner.pending.delete(device);
      const state = device.states.get(collection);
      // Not live: the pull in progress serves it, and it turns pending again when it goes live.
      if (!device.attached || state === undefined || state.mode !== 'live') continue;
      batch.push({ device, state, generation: state.generation, unknown: state.pendingUnknown });
      state.pendingUnknown = false;
      if (batch.length >= devicesPerQuery) break;
    }
    let moreNow = runner.pending.size > 0;
    try {
      if (batch.length === 0) return;
      let pages: Awaited<ReturnType<typeof streamPages>>;
      try {
        pages = await streamPages(
          pool,
          collection,
          batch.map(({ device, state }) => ({
            userId: device.subscriber.userId,
            deviceId: device.subscriber.deviceId,
            ...state.cursor,
          })),
          pageSize,
        );
      } catch (error) {
        logger.warn({ err: error, collection }, 'live stream query failed; devices resync');
        for (const { device, state, generation } of batch) {
          if (!device.attached || state.generation !== generation) continue;
          sendResync(device, collection, state);
        }
        return;
      }
      batch.forEach(({ device, state, generation, unknown }, index) => {
        const page = pages[index];
        if (page === undefined) return;
        if (!device.attached || state.generation !== generation || state.mode !== 'live') {
          // A pull arrived meanwhile: this page may be older than what it answers. Drop it;
          // whatever was pending stays pending for when the device is live again.
          if (unknown) state.pendingUnknown = true;
          return;
        }
        // A notice without xid came before this query: its commit is below the snapshot's xmax.
        if (unknown) state.pendingXid = max(state.pendingXid, page.nextXid - 1n);
        const last = page.rows.at(-1);
        if (last !== undefined) {
          device.subscriber.send({
            collection,
            documents: page.rows.map((row) => row.document),
            checkpoint: { rev: last.k, id: last.document.id },
          });
          state.cursor = { rev: last.k, key: last.key };
          state.streamedSincePull = true;
        }
        if (page.rows.length >= pageSize) {
          runner.pending.add(device);
          moreNow = true;
          return;
        }
        if (state.pendingXid !== null && state.pendingXid < page.horizon) state.pendingXid = null;
        if (isPending(state)) runner.pending.add(device);
      });
    } finally {
      runner.running = false;
      if (!moreNow && !runner.urgent && !wasUrgent) {
        runner.horizonWaitMs = Math.min(wait.max, runner.horizonWaitMs * 2);
      }
      schedule(collection, moreNow);
    }
  }

  function devicesOf(userId: string): Iterable<Device> {
    return byUser.get(userId) ?? [];
  }

  return {
    attach(subscriber, options = { resync: true }) {
      const device: Device = {
        subscriber,
        states: new Map(),
        attached: true,
        deferred: options.resync
          ? COLLECTIONS.filter((collection) => collection !== FIRST_AT_CONNECT)
          : [],
        deferTimer: null,
      };
      bySubscriber.set(subscriber, device);
      const devices = byUser.get(subscriber.userId) ?? new Set<Device>();
      byUser.set(subscriber.userId, devices);
      devices.add(device);
      // Whatever happened while disconnected: every collection pulls from its checkpoint.
      for (const collection of COLLECTIONS) stateOf(device, collection);
      if (options.resync) {
        sendResync(device, FIRST_AT_CONNECT, stateOf(device, FIRST_AT_CONNECT));
        device.deferTimer = setTimeout(() => sendDeferred(device), DEFERRED_RESYNC_MS);
        device.deferTimer.unref();
      }
      return () => {
        device.attached = false;
        if (device.deferTimer !== null) clearTimeout(device.deferTimer);
        bySubscriber.delete(subscriber);
        devices.delete(device);
        if (devices.size === 0 && byUser.get(subscriber.userId) === devices) {
          byUser.delete(subscriber.userId);
        }
        for (const runner of runners.values()) runner.pending.delete(device);
      };
    },

    pullStarted(subscriber, collection) {
      const device = bySubscriber.get(subscriber);
      if (device === undefined) return;
      const state = stateOf(device, collection);
      state.generation += 1;
      state.pullsInFlight += 1;
      state.mode = 'resync';
      if (state.streamedSincePull) state.resyncAfterPull = true;
      state.streamedSincePull = false;
    },

    pullFinished(subscriber, collection, batchSize, result) {
      const device = bySubscriber.get(subscriber);
      if (device === undefined) return;
      const state = stateOf(device, collection);
      state.pullsInFlight -= 1;
      state.quietSince = Date.now();
      if (collection === FIRST_AT_CONNECT && device.deferred.length > 0) sendDeferred(device);
      // A failed or full page: the device pulls again.
      if (result === null || result.response.documents.length >= batchSize) return;
      if (state.pullsInFlight > 0 || state.mode === 'live') return;
      if (state.resyncAfterPull) {
        state.resyncAfterPull = false;
        sendResync(device, collection, state);
        return;
      }
      state.mode = 'live';
      state.repeatMs = resyncRepeatMs;
      state.cursor = result.end;
      // The page held every commit below its horizon. A commit it could not show yet (an older
      // transaction was still open) is below the snapshot's xmax: stream it once the horizon passes.
      if (state.pendingXid !== null && state.pendingXid < result.horizon) state.pendingXid = null;
      if (result.nextXid > result.horizon) {
        state.pendingXid = max(state.pendingXid, result.nextXid - 1n);
      }
      if (isPending(state)) markPending(device, collection, true);
    },

    notify(notice) {
      const xid = notice.xid === undefined ? null : BigInt(notice.xid);
      for (const userId of new Set(notice.userIds)) {
        for (const device of devicesOf(userId)) {
          for (const collection of new Set(notice.collections)) {
            const state = stateOf(device, collection);
            if (xid === null) state.pendingUnknown = true;
            else state.pendingXid = max(state.pendingXid, xid);
            if (state.mode === 'live') markPending(device, collection, true);
          }
        }
      }
    },

    noticesMayBeLost() {
      this.notify({ userIds: [...byUser.keys()], collections: COLLECTIONS });
    },

    close() {
      closed = true;
      if (watchdogTimer !== null) clearInterval(watchdogTimer);
      for (const runner of runners.values()) {
        if (runner.timer !== null) clearTimeout(runner.timer);
        runner.timer = null;
        runner.pending.clear();
      }
    },
  };
}
