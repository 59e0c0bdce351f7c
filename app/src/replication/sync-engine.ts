import type {
  Checkpoint,
  CollectionName,
  PullRequest,
  RejectedRow,
  WireDocument,
} from '@anochat/schemas/rxdb/sync';
import { COLLECTIONS, SYNC_LIMITS } from '@anochat/schemas/rxdb/sync';
import type { RxReplicationState } from 'rxdb/plugins/replication';
import {
  auditTime,
  BehaviorSubject,
  combineLatest,
  firstValueFrom,
  map,
  type Observable,
  of,
  switchMap,
} from 'rxjs';
import type { AppDatabase } from '../database/app-database.ts';
import { replicateCollection } from './collection-replication.ts';
import { createPullBatcher } from './pull-batcher.ts';
import type { LinkState, SyncTransport } from './sync-transport.ts';
import { toPushRow } from './wire.ts';

/** What the connection banner shows. */
export type ConnectionStatus =
  | { kind: 'offline' }
  | { kind: 'connecting' }
  | { kind: 'syncing'; pending: number }
  | { kind: 'up-to-date' };

/** Rows whose push needs the conversation (and, for key envelopes, its members) on the server. */
const NEEDS_CONVERSATION: readonly CollectionName[] = [
  'members',
  'messages',
  'receipts',
  'keyEnvelopes',
  'mutes',
];

export interface SyncEngineOptions {
  database: AppDatabase;
  transport: SyncTransport;
  /** Per server and account, so checkpoints never mix. */
  identifier: string;
  /** This device (pushed rows leave its id out). */
  deviceId: string;
}

/**
 * Replication of every collection over one transport, plus what RxDB does not know:
 * - collections replicate independently, but a message or member row is refused until its
 *   conversation exists on the server; so before such a push, a conversation the server has not
 *   acknowledged yet (and, for key envelopes, new member rows) is pushed first (pushes are
 *   idempotent, so RxDB pushing the same row again later changes nothing);
 * - rows the server refuses become `failures` documents (shown, with retry/delete), and leave
 *   `failures` once a later push of that row is accepted;
 * - one connection status for the banner.
 */
export function createSyncEngine(options: SyncEngineOptions) {
  const { database, transport } = options;
  const acknowledged = new Set<string>();
  const replications = new Map<CollectionName, RxReplicationState<unknown, unknown>>();
  const started = new BehaviorSubject(false);
  const pulls = createPullBatcher(transport);

  async function pushDirectly(collection: CollectionName, docs: Record<string, unknown>[]) {
    if (docs.length === 0) return;
    await transport.push({
      collection,
      rows: docs.map((doc) => toPushRow(collection, { newDocumentState: doc }, options.deviceId)),
    });
    for (const doc of docs) acknowledged.add(`${collection}/${String(doc.id)}`);
  }

  async function beforePush(collection: CollectionName, rows: WireDocument[]): Promise<void> {
    if (!NEEDS_CONVERSATION.includes(collection)) return;
    const conversationIds = [...new Set(rows.map((row) => String(row.conversationId)))];
    const conversations = await database.conversations
      .find({ selector: { id: { $in: conversationIds } } })
      .exec();
    await pushDirectly(
      'conversations',
      conversations
        .filter((doc) => doc.rev === undefined && !acknowledged.has(`conversations/${doc.id}`))
        .map((doc) => doc.toJSON() as Record<string, unknown>),
    );
    if (collection !== 'keyEnvelopes') return;
    const members = await database.members
      .find({ selector: { conversationId: { $in: conversationIds } } })
      .exec();
    await pushDirectly(
      'members',
      members
        .filter((doc) => doc.rev === undefined && !acknowledged.has(`members/${doc.id}`))
        .map((doc) => doc.toJSON() as Record<string, unknown>),
    );
  }

  async function onRejected(
    collection: CollectionName,
    rejected: RejectedRow[],
    rows: WireDocument[],
  ): Promise<void> {
    const byId = new Map(rows.map((row) => [row.id, row]));
    await database.failures.bulkUpsert(
      rejected.map((row) => {
        const conversationId = byId.get(row.id)?.conversationId;
        return {
          id: `${collection}/${row.id}`,
          sourceCollection: collection,
          conversationId: typeof conversationId === 'string' ? conversationId : null,
          code: row.code,
          message: row.message,
          at: new Date().toISOString(),
        };
      }),
    );
  }

  async function onAccepted(collection: CollectionName, rows: WireDocument[]): Promise<void> {
    const ids = rows.map((row) => `${collection}/${row.id}`);
    for (const id of ids) acknowledged.add(id);
    const stale = await database.failures.findByIds(ids).exec();
    if (stale.size > 0) await database.failures.bulkRemove([...stale.keys()]);
  }

  const active$: Observable<boolean> = started.pipe(
    switchMap((isStarted) =>
      isStarted
        ? combineLatest([...replications.values()].map((replication) => replication.active$)).pipe(
            map((states) => states.some(Boolean)),
          )
        : of(false),
    ),
  );

  /** My messages the server has not stored yet (refused ones are failures, not pending). */
  const pending$: Observable<number> = combineLatest([
    database.messageViews.find({ selector: { synced: false } }).$,
    database.failures.find({ selector: { sourceCollection: 'messages' } }).$,
  ]).pipe(
    map(([unsynced, failures]) => {
      const failed = new Set(failures.map((failure) => failure.id.slice('messages/'.length)));
      return unsynced.filter((view) => !failed.has(view.id)).length;
    }),
  );

  const status$: Observable<ConnectionStatus> = combineLatest([
    transport.link$,
    active$,
    pending$,
  ]).pipe(
    // A banner, not a meter: settle bursts (an initial sync changes `active` many times a second).
    auditTime(250),
    map(([link, active, pending]: [LinkState, boolean, number]): ConnectionStatus => {
      if (link === 'offline') return { kind: 'offline' };
      if (link === 'connecting') return { kind: 'connecting' };
      if (active || pending > 0) return { kind: 'syncing', pending };
      return { kind: 'up-to-date' };
    }),
  );

  return {
    status$,
    pending$,

    start(): void {
      if (started.value) return;
      for (const collectionName of COLLECTIONS) {
        const replication = replicateCollection({
          collectionName,
          collection: database[collectionName],
          transport,
          pulls,
          identifier: options.identifier,
          deviceId: options.deviceId,
          beforePush,
          onRejected,
          onAccepted,
        }) as RxReplicationState<unknown, unknown>;
        // Logged here, once: RxDB retries the batch by itself.
        replication.error$.subscribe((error) => {
          const causes = (error.parameters?.errors ?? [error]) as Error[];
          console.warn(
            `AnoChat sync (${collectionName}): ${causes.map((cause) => `${cause.name} ${cause.message}`).join('; ')}`,
          );
        });
        replications.set(collectionName, replication);
      }
      // Each handshake carries a pull of every collection from the checkpoint RxDB holds (it sets
      // it once the documents before it are stored); one not known yet is pulled once connected.
      transport.pullWithHandshake(() =>
        [...replications].flatMap(([collection, replication]): PullRequest[] => {
          const checkpoint = replication.internalReplicationState?.lastCheckpointDoc.down
            ?.checkpointData as Checkpoint | undefined;
          return checkpoint === undefined
            ? []
            : [{ collection, checkpoint, batchSize: SYNC_LIMITS.maxPullBatchSize }];
        }),
      );
      transport.start();
      started.next(true);
    },

    /** Pull these collections from their checkpoints now, without waiting for a server poke. */
    resync(collections: CollectionName[]): void {
      for (const name of collections) replications.get(name)?.reSync();
    },

    /** Which replications are busy right now, by collection (for diagnostics). */
    async activity(): Promise<Record<string, boolean>> {
      const entries = await Promise.all(
        [...replications].map(
          async ([name, replication]) => [name, await firstValueFrom(replication.active$)] as const,
        ),
      );
      return Object.fromEntries(entries);
    },

    /** Every collection pushed and pulled up to now (tests and the benchmark wait on it). */
    async awaitInSync(): Promise<void> {
      await Promise.all([...replications.values()].map((replication) => replication.awaitInSync()));
    },

    async stop(): Promise<void> {
      transport.stop();
      await Promise.all([...replications.values()].map((replication) => replication.cancel()));
      replications.clear();
      started.next(false);
    },
  };
}

export type SyncEngine = ReturnType<typeof createSyncEngine>;
