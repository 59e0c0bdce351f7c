import type {
  Checkpoint,
  CollectionName,
  PullResponse,
  PushResponse,
  StreamEvent,
  SyncErrorAck,
  WireDocument,
} from '@anochat/schemas/rxdb/sync';
import { RXDB_SCHEMAS } from '@anochat/schemas/rxdb/sync';
import {
  addRxPlugin,
  createRxDatabase,
  type RxCollection,
  type RxDatabase,
  type RxReplicationPullStreamItem,
} from 'rxdb';
import { RxDBMigrationSchemaPlugin } from 'rxdb/plugins/migration-schema';
import { type RxReplicationState, replicateRxCollection } from 'rxdb/plugins/replication';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { Subject } from 'rxjs';
import type { Socket } from 'socket.io-client';

/**
 * A real RxDB 17 client of the sync server, as the app will build it: memory storage, the
 * collections' schemas from schemas/rxdb, and per collection `replicateRxCollection` whose pull
 * and push handlers are the socket's `pull` and `push` events and whose `stream$` is the socket's
 * `stream` events (documents with their checkpoint, or RESYNC).
 */
export interface RxdbClient {
  database: RxDatabase;
  collections: Record<string, RxCollection>;
  replications: Record<string, RxReplicationState<WireDocument, Checkpoint>>;
  /** Stream events received (documents, RESYNCs) and conflicts the server returned to pushes. */
  received: { documents: number; resyncs: number; conflicts: number };
  close(): Promise<void>;
}

addRxPlugin(RxDBMigrationSchemaPlugin);

const PULL_BATCH = 20;
const keepAsIs = (document: unknown) => document;

async function ask<T>(socket: Socket, event: string, payload: unknown): Promise<T> {
  const answer = (await socket.timeout(5_000).emitWithAck(event, payload)) as T | SyncErrorAck;
  if (typeof answer === 'object' && answer !== null && 'error' in answer) {
    throw new Error(`${event} refused: ${answer.error.code} ${answer.error.message}`);
  }
  return answer as T;
}

export interface RxdbClientOptions {
  /** Runs as each push starts, before it is sent (a test holds pushes with it). */
  beforePush?: () => Promise<void>;
}

export async function startRxdbClient(
  name: string,
  socket: Socket,
  collectionNames: readonly CollectionName[],
  options: RxdbClientOptions = {},
): Promise<RxdbClient> {
  const database = await createRxDatabase({
    name,
    storage: getRxStorageMemory(),
    multiInstance: false,
  });
  const collections = await database.addCollections(
    Object.fromEntries(
      collectionNames.map((collection) => {
        const schema = RXDB_SCHEMAS[collection];
        // A fresh database has nothing to migrate, but RxDB wants a strategy per schema version.
        const migrationStrategies = Object.fromEntries(
          Array.from({ length: schema.version }, (_, index) => [index + 1, keepAsIs]),
        );
        return [collection, { schema, migrationStrategies }];
      }),
    ),
  );
  const received = { documents: 0, resyncs: 0, conflicts: 0 };
  const replications: RxdbClient['replications'] = {};
  const streams = new Map<string, Subject<RxReplicationPullStreamItem<WireDocument, Checkpoint>>>();
  socket.on('stream', (event: StreamEvent) => {
    const stream = streams.get(event.collection);
    if (stream === undefined) return;
    if ('resync' in event) {
      received.resyncs += 1;
      stream.next('RESYNC');
    } else {
      received.documents += event.documents.length;
      stream.next({ documents: event.documents, checkpoint: event.checkpoint });
    }
  });
  for (const collection of collectionNames) {
    const stream = new Subject<RxReplicationPullStreamItem<WireDocument, Checkpoint>>();
    streams.set(collection, stream);
    replications[collection] = replicateRxCollection<WireDocument, Checkpoint>({
      collection: collections[collection] as unknown as RxCollection<WireDocument>,
      replicationIdentifier: `anochat-sync-${collection}`,
      live: true,
      retryTime: 200,
      waitForLeadership: false,
      pull: {
        batchSize: PULL_BATCH,
        handler: async (checkpoint, batchSize) => {
          const page = await ask<PullResponse>(socket, 'pull', {
            collection,
            checkpoint: checkpoint ?? null,
            batchSize,
          });
          return { documents: page.documents, checkpoint: page.checkpoint ?? undefined };
        },
        stream$: stream.asObservable(),
      },
      push: {
        batchSize: 50,
        handler: async (rows) => {
          await options.beforePush?.();
          const answer = await ask<PushResponse>(socket, 'push', {
            collection,
            rows: rows.map((row) => ({
              assumedMasterState: row.assumedMasterState ?? null,
              newDocumentState: row.newDocumentState,
            })),
          });
          if (answer.rejected.length > 0) {
            throw new Error(`push rejected: ${JSON.stringify(answer.rejected)}`);
          }
          received.conflicts += answer.conflicts.length;
          return answer.conflicts;
        },
      },
    });
  }
  return {
    database,
    collections,
    replications,
    received,
    async close() {
      await Promise.all(Object.values(replications).map((replication) => replication.cancel()));
      await database.close();
    },
  };
}
