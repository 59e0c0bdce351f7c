import type {
  Checkpoint,
  CollectionName,
  StreamEvent,
  WireDocument,
} from '@anochat/schemas/rxdb/sync';
import { pull, type SyncClient } from './sync-client.ts';

/**
 * A replica of one collection that follows the protocol the way RxDB's downstream does: `stream`
 * events are tasks run one at a time in arrival order; `resync` pulls from the stored checkpoint
 * until a page is shorter than the batch size; a documents event stores its documents and takes
 * its checkpoint as is. Used to check that the stream alone keeps a replica complete.
 */
export class StreamConsumer {
  checkpoint: Checkpoint | null = null;
  readonly documents = new Map<string, WireDocument>();
  /** How each document version arrived, for checks on the path it took. */
  readonly arrivals: { id: string; rev: string; via: 'pull' | 'stream' }[] = [];
  resyncs = 0;
  private queue: Promise<void> = Promise.resolve();
  private failure: unknown;

  constructor(
    readonly client: SyncClient,
    readonly collection: CollectionName,
    readonly batchSize = 20,
  ) {
    client.socket.on('stream', (event: StreamEvent) => {
      if (event.collection !== collection) return;
      this.enqueue(event);
    });
  }

  /** What RxDB does when replication starts: one resync. */
  start(): Promise<void> {
    return this.enqueue({ collection: this.collection, resync: true });
  }

  /** Resolves once every task received so far has run; rethrows a failed pull. */
  async idle(): Promise<void> {
    await this.queue;
    if (this.failure !== undefined) throw this.failure;
  }

  private enqueue(event: StreamEvent): Promise<void> {
    this.queue = this.queue
      .then(() => this.run(event))
      .catch((error: unknown) => {
        this.failure ??= error;
      });
    return this.queue;
  }

  private store(documents: readonly WireDocument[], via: 'pull' | 'stream') {
    for (const document of documents) {
      this.documents.set(document.id, document);
      this.arrivals.push({ id: document.id, rev: document.rev as string, via });
    }
  }

  private async run(event: StreamEvent): Promise<void> {
    if ('resync' in event) {
      this.resyncs += 1;
      for (;;) {
        const page = await pull(this.client, this.collection, this.checkpoint, this.batchSize);
        if (page.documents.length === 0) return;
        this.store(page.documents, 'pull');
        this.checkpoint = page.checkpoint;
        if (page.documents.length < this.batchSize) return;
      }
    }
    this.store(event.documents, 'stream');
    this.checkpoint = event.checkpoint;
  }
}
