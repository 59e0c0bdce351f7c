import {
  type Checkpoint,
  type CollectionName,
  type PullResponse,
  type PushResponse,
  READ_ONLY_COLLECTIONS,
  type RejectedRow,
  SYNC_LIMITS,
  type SyncErrorAck,
  type WireDocument,
} from '@anochat/schemas/rxdb/sync';
import type { RxCollection } from 'rxdb';
import { type RxReplicationState, replicateRxCollection } from 'rxdb/plugins/replication';
import type { PullBatcher } from './pull-batcher.ts';
import { createResyncGuard } from './resync-guard.ts';
import type { SyncTransport } from './sync-transport.ts';
import { type LocalPushRow, toPushRow, toWireDocument } from './wire.ts';

export class SyncRefusedError extends Error {
  override readonly name = 'SyncRefusedError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function refusal(answer: unknown): SyncErrorAck['error'] | null {
  const error = (answer as Partial<SyncErrorAck> | null)?.error;
  return error && typeof error.code === 'string' ? error : null;
}

export interface CollectionReplicationOptions {
  collectionName: CollectionName;
  // biome-ignore lint/suspicious/noExplicitAny: one replication helper for every document type
  collection: RxCollection<any>;
  transport: SyncTransport;
  /** Pulls leave through it (several collections' together as one event). */
  pulls: PullBatcher;
  /** Distinguishes checkpoints of different servers and accounts in the same database. */
  identifier: string;
  /** This device: its own id is left out of pushed rows (the server fills it in). */
  deviceId: string;
  /** Runs before a push batch leaves: pushes what these rows depend on (see sync-engine.ts). */
  beforePush(collection: CollectionName, rows: WireDocument[]): Promise<void>;
  /** Rows the server refused, with the state that was refused. */
  onRejected(
    collection: CollectionName,
    rejected: RejectedRow[],
    rows: WireDocument[],
  ): Promise<void>;
  /** Rows the server accepted (no conflict, not rejected). */
  onAccepted(collection: CollectionName, rows: WireDocument[]): Promise<void>;
}

/**
 * RxDB replication of one collection over the shared socket (docs/protocol.md): `pull` from the
 * checkpoint, `push` with conflicts handed back to RxDB and refused rows reported, and the
 * server's live `stream` (documents, or `'RESYNC'`, each followed by a pull even where RxDB would
 * drop it: resync-guard.ts). Errors (a dropped connection, a timeout) make RxDB retry
 * the same batch; nothing is lost because nothing is removed from the outbox before the server
 * acknowledged it.
 */
export function replicateCollection(
  options: CollectionReplicationOptions,
): RxReplicationState<unknown, Checkpoint> {
  const { collectionName, transport } = options;
  const writable = !READ_ONLY_COLLECTIONS.includes(collectionName);
  const resyncs = createResyncGuard({
    server$: transport.stream$(collectionName),
    connected$: transport.connected$,
    // The transport tells the server it pulls on connecting (no RESYNC comes): at once, then,
    // unless the pull went with the handshake (its answer comes right after connecting).
    reconnectGraceMs: 0,
    pulledWithHandshake: () => transport.pulledWithHandshake(collectionName),
  });
  const handshakeAnswers = transport.handshakePulls$.subscribe(({ request, answer }) => {
    if (request.collection !== collectionName) return;
    const refused = refusal(answer) !== null;
    const page = refused ? null : (answer as PullResponse);
    resyncs.pulledAtConnect(
      page === null || page.documents.length === 0 || page.checkpoint === null
        ? null
        : { documents: page.documents, checkpoint: page.checkpoint },
      refused || (page?.documents.length ?? 0) >= request.batchSize,
    );
  });
  const replication = replicateRxCollection<unknown, Checkpoint>({
    collection: options.collection,
    replicationIdentifier: `${options.identifier}/${collectionName}`,
    live: true,
    retryTime: 1_000,
    waitForLeadership: false,
    autoStart: true,
    pull: {
      batchSize: SYNC_LIMITS.maxPullBatchSize,
      stream$: resyncs.stream$ as never,
      handler: async (checkpoint, batchSize) => {
        resyncs.pullStarted();
        const pull = (from: Checkpoint | null) =>
          options.pulls.pull({ collection: collectionName, checkpoint: from, batchSize });
        let answer = await pull(checkpoint ?? null);
        // A checkpoint the server never handed out (its database was restored from a backup):
        // start again from the beginning, which RxDB stores as the new checkpoint.
        if (checkpoint && refusal(answer)?.code === 'CHECKPOINT_AHEAD') answer = await pull(null);
        const error = refusal(answer);
        if (error) throw new SyncRefusedError(error.code, error.message);
        const page = answer as PullResponse;
        return {
          documents: page.documents as never[],
          checkpoint: page.checkpoint ?? undefined,
        };
      },
    },
    ...(writable
      ? {
          push: {
            batchSize: SYNC_LIMITS.maxPushRows,
            handler: async (rows) => {
              const states = rows.map((row) =>
                toWireDocument(collectionName, row.newDocumentState as Record<string, unknown>),
              );
              await options.beforePush(collectionName, states);
              const wireRows = rows.map((row) =>
                toPushRow(collectionName, row as LocalPushRow, options.deviceId),
              );
              const answer = await transport.push<PushResponse | SyncErrorAck>({
                collection: collectionName,
                rows: wireRows,
              });
              const error = refusal(answer);
              if (error) throw new SyncRefusedError(error.code, error.message);
              const { conflicts, rejected, stored = [] } = answer as PushResponse;
              if (rejected.length > 0) await options.onRejected(collectionName, rejected, states);
              const settled = new Set([
                ...rejected.map((row) => row.id),
                ...conflicts.map((doc) => doc.id),
              ]);
              const accepted = states.filter((doc) => !settled.has(doc.id));
              if (accepted.length > 0) await options.onAccepted(collectionName, accepted);
              // What the server set on the rows it wrote (rev, createdAt): handed to RxDB as their
              // master state, because a pull that carried it while this push was in flight was
              // set aside by RxDB (the rows were still local writes then) and never comes again.
              const byId = new Map(states.map((doc) => [doc.id, doc]));
              const masters = stored.flatMap((fields) => {
                const pushed = byId.get(fields.id);
                return pushed === undefined ? [] : [{ ...pushed, ...fields }];
              });
              return [...conflicts, ...masters] as never[];
            },
          },
        }
      : {}),
  });
  resyncs.follow(replication.active$);
  replication.onCancel.push(() => {
    handshakeAnswers.unsubscribe();
    resyncs.stop();
  });
  return replication;
}
