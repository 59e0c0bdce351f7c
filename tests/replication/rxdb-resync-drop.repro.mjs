// Minimal reproduction of an RxDB 17.6.0 defect (replication-protocol/downstream.js, addNewTask):
// a 'RESYNC' that reaches the downstream queue right behind a documents event is taken off the
// queue and dropped, so the pull it asks for never happens. Both events wait there while a push
// is running, which is how they end up queued together.
//
// Only rxdb and rxjs; no server. Run: node tests/replication/rxdb-resync-drop.repro.mjs
// Exit code 1 and "DEFECT REPRODUCED" when the RESYNC is dropped, 0 when it is honoured.
import { createRxDatabase } from 'rxdb';
import { replicateRxCollection } from 'rxdb/plugins/replication';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { Subject } from 'rxjs';

const schema = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: { id: { type: 'string', maxLength: 40 }, at: { type: 'number' } },
  required: ['id', 'at'],
};

const database = await createRxDatabase({ name: 'repro', storage: getRxStorageMemory() });
const { items } = await database.addCollections({ items: { schema } });

// The "server": documents ordered by `at`, a checkpoint is the last `at` seen.
const master = [];
const stream = new Subject();
let pulls = 0;
let releasePush;
const pushHeld = new Promise((resolve) => {
  releasePush = resolve;
});
let pushStarted;
const pushRunning = new Promise((resolve) => {
  pushStarted = resolve;
});

const replication = replicateRxCollection({
  collection: items,
  replicationIdentifier: 'repro',
  live: true,
  pull: {
    batchSize: 10,
    stream$: stream.asObservable(),
    handler: async (checkpoint) => {
      pulls += 1;
      const after = checkpoint?.at ?? -1;
      const documents = master
        .filter((doc) => doc.at > after)
        .map((doc) => ({ ...doc, _deleted: false }));
      return { documents, checkpoint: documents.length ? { at: documents.at(-1).at } : checkpoint };
    },
  },
  push: {
    handler: async (rows) => {
      pushStarted();
      await pushHeld;
      for (const row of rows) master.push({ id: row.newDocumentState.id, at: master.length });
      return [];
    },
  },
});
await replication.awaitInitialReplication();

// 1. A local write: its push starts and is held (a slow link, a busy server).
await items.insert({ id: 'local', at: 0 });
await pushRunning;

// 2. While the push runs, the server streams a document, then asks for a pull (RESYNC), e.g.
//    because the server cannot stream the next change safely. Both wait for the push to end.
master.push({ id: 'streamed', at: master.length });
stream.next({
  documents: [{ id: 'streamed', at: master.length - 1, _deleted: false }],
  checkpoint: { at: master.length - 1 },
});
master.push({ id: 'only-a-pull-brings-this', at: master.length });
// (A moment later, as over a network: a RESYNC emitted in the same tick overtakes the documents
// event in the replication plugin's own mergeMap, and the order is then harmless.)
await new Promise((resolve) => setTimeout(resolve, 50));
const pullsBeforeResync = pulls;
stream.next('RESYNC');

// 3. The push ends; the queued events are processed.
releasePush();
await new Promise((resolve) => setTimeout(resolve, 1000));

const local = (await items.find().exec()).map((doc) => doc.id).sort();
const pulledAfterResync = pulls - pullsBeforeResync;
console.log(`pulls after the RESYNC: ${pulledAfterResync}; local documents: ${local.join(', ')}`);
await replication.cancel();
await database.remove();
if (pulledAfterResync === 0 && !local.includes('only-a-pull-brings-this')) {
  console.log('DEFECT REPRODUCED: the RESYNC queued behind a documents event was dropped');
  process.exit(1);
}
console.log('not reproduced: the RESYNC led to a pull');
