import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SYNC_ERROR_CODES } from '@anochat/schemas/rxdb/sync';
import { countRows, useSyncServer } from '@anochat/test-support/suite';
import {
  createGroup,
  emit,
  envelope,
  messageDoc,
  pull,
  type SyncClient,
  syncUser,
} from '@anochat/test-support/sync-client';
import fc from 'fast-check';

const suite = useSyncServer({ SYNC_MAX_PAYLOAD_BYTES: String(256 * 1024) });
const TABLES = ['conversations', 'members', 'messages', 'receipts', 'key_envelopes'];
let alice: SyncClient;
let group: string;

function assertErrorAck(answer: unknown, code: string): void {
  const error = (answer as { error?: { code?: unknown; message?: unknown } }).error;
  assert.ok(error !== undefined, `expected an error ack, got ${JSON.stringify(answer)}`);
  assert.equal(error.code, code, JSON.stringify(answer));
  assert.ok(typeof error.message === 'string' && error.message.length > 0);
}

const goodRow = () => ({ assumedMasterState: null, newDocumentState: messageDoc(alice, group) });

describe('sync bad input: the error ack, and nothing written', () => {
  before(async () => {
    alice = await syncUser(suite.server.baseUrl);
    group = await createGroup(alice, []);
  });
  after(() => alice?.socket.close());

  it('answers every class of bad pull and push with its code', async () => {
    const cases: [string, string, unknown, string][] = [
      ['pull', 'not an object', 'hello', 'VALIDATION_FAILED'],
      ['pull', 'null payload', null, 'VALIDATION_FAILED'],
      [
        'pull',
        'unknown collection',
        { collection: 'secrets', checkpoint: null, batchSize: 1 },
        'UNKNOWN_COLLECTION',
      ],
      [
        'pull',
        'collection of the wrong type',
        { collection: 7, checkpoint: null, batchSize: 1 },
        'VALIDATION_FAILED',
      ],
      [
        'pull',
        'batchSize a string',
        { collection: 'messages', checkpoint: null, batchSize: '10' },
        'VALIDATION_FAILED',
      ],
      [
        'pull',
        'batchSize zero',
        { collection: 'messages', checkpoint: null, batchSize: 0 },
        'VALIDATION_FAILED',
      ],
      [
        'pull',
        'huge batchSize',
        { collection: 'messages', checkpoint: null, batchSize: 1e9 },
        'BATCH_TOO_LARGE',
      ],
      [
        'pull',
        'unknown field',
        { collection: 'messages', checkpoint: null, batchSize: 1, x: 1 },
        'VALIDATION_FAILED',
      ],
      [
        'pull',
        'checkpoint a string',
        { collection: 'messages', checkpoint: 'x', batchSize: 1 },
        'BAD_CHECKPOINT',
      ],
      [
        'pull',
        'checkpoint rev not decimal',
        { collection: 'messages', checkpoint: { rev: '-1', id: randomUUID() }, batchSize: 1 },
        'BAD_CHECKPOINT',
      ],
      [
        'pull',
        'checkpoint rev above xid8',
        {
          collection: 'messages',
          checkpoint: { rev: '99999999999999999999', id: randomUUID() },
          batchSize: 1,
        },
        'BAD_CHECKPOINT',
      ],
      [
        'pull',
        'checkpoint id not a uuid',
        {
          collection: 'messages',
          checkpoint: { rev: '5', id: "'; DROP TABLE messages; --" },
          batchSize: 1,
        },
        'BAD_CHECKPOINT',
      ],
      [
        'pull',
        'single id for members',
        { collection: 'members', checkpoint: { rev: '5', id: randomUUID() }, batchSize: 1 },
        'BAD_CHECKPOINT',
      ],
      [
        'pull',
        'checkpoint extra field',
        { collection: 'messages', checkpoint: { rev: '5', id: randomUUID(), k: 1 }, batchSize: 1 },
        'BAD_CHECKPOINT',
      ],
      ['push', 'not an object', [1, 2], 'VALIDATION_FAILED'],
      ['push', 'unknown collection', { collection: 'nope', rows: [] }, 'UNKNOWN_COLLECTION'],
      ['push', 'rows not an array', { collection: 'messages', rows: {} }, 'VALIDATION_FAILED'],
      [
        'push',
        'too many rows',
        { collection: 'messages', rows: Array.from({ length: 101 }, goodRow) },
        'BATCH_TOO_LARGE',
      ],
      [
        'push',
        'row without newDocumentState',
        { collection: 'messages', rows: [{ assumedMasterState: null }] },
        'VALIDATION_FAILED',
      ],
      [
        'push',
        'envelope not base64',
        {
          collection: 'messages',
          rows: [
            {
              assumedMasterState: null,
              newDocumentState: { ...messageDoc(alice, group), envelope: '!!!!' },
            },
          ],
        },
        'VALIDATION_FAILED',
      ],
      [
        'push',
        'id not a uuid',
        {
          collection: 'messages',
          rows: [
            {
              assumedMasterState: null,
              newDocumentState: { ...messageDoc(alice, group), id: 'abc' },
            },
          ],
        },
        'VALIDATION_FAILED',
      ],
      [
        'push',
        'unknown document field',
        {
          collection: 'messages',
          rows: [
            {
              assumedMasterState: null,
              newDocumentState: { ...messageDoc(alice, group), admin: true },
            },
          ],
        },
        'VALIDATION_FAILED',
      ],
      [
        'push',
        '_deleted not a boolean',
        {
          collection: 'messages',
          rows: [
            {
              assumedMasterState: null,
              newDocumentState: { ...messageDoc(alice, group), _deleted: 'no' },
            },
          ],
        },
        'VALIDATION_FAILED',
      ],
      [
        'push',
        'states with different ids',
        {
          collection: 'messages',
          rows: [
            {
              assumedMasterState: messageDoc(alice, group),
              newDocumentState: messageDoc(alice, group),
            },
          ],
        },
        'VALIDATION_FAILED',
      ],
      [
        'push',
        'envelope above 64 KiB',
        {
          collection: 'messages',
          rows: [
            {
              assumedMasterState: null,
              newDocumentState: {
                ...messageDoc(alice, group),
                envelope: Buffer.alloc(70_000).toString('base64'),
              },
            },
          ],
        },
        'VALIDATION_FAILED',
      ],
      [
        'push',
        'a good row next to a bad one',
        {
          collection: 'messages',
          rows: [goodRow(), { assumedMasterState: null, newDocumentState: { id: randomUUID() } }],
        },
        'VALIDATION_FAILED',
      ],
      ['sneak', 'an unknown event', {}, 'VALIDATION_FAILED'],
    ];
    const rowsBefore = await countRows(suite.server, TABLES);
    for (const [event, name, payload, code] of cases) {
      const answer = await emit(alice.socket, event, payload);
      assert.doesNotThrow(() => assertErrorAck(answer, code), name);
      assertErrorAck(answer, code);
    }
    assert.deepEqual(await countRows(suite.server, TABLES), rowsBefore);
  });

  it('closes a connection whose frame exceeds maxHttpBufferSize, and the server stays up', async () => {
    const bob = await syncUser(suite.server.baseUrl);
    const closed = new Promise((resolve) => bob.socket.once('disconnect', resolve));
    bob.socket.emit(
      'push',
      { collection: 'messages', rows: [], pad: 'x'.repeat(300 * 1024) },
      () => {
        assert.fail('no answer expected');
      },
    );
    await closed;
    assert.equal((await pull(alice, 'messages', null, 5)).documents.length, 0);
  });

  it('fuzz: random payloads on every event always get an answer of the error or result shape', async () => {
    const rowsBefore = await countRows(suite.server, TABLES);
    const collection = fc.constantFrom(
      'messages',
      'members',
      'users',
      'receipts',
      'x',
      '',
      'keyEnvelopes',
    );
    const payload = fc.oneof(
      fc.anything(),
      fc.record({
        conversationId: fc.oneof(fc.constant(group), fc.uuid(), fc.string()),
        typing: fc.oneof(fc.boolean(), fc.anything()),
      }),
      fc.record({
        collection,
        checkpoint: fc.oneof(
          fc.constant(null),
          fc.anything(),
          fc.record({ rev: fc.string(), id: fc.string() }),
        ),
        batchSize: fc.oneof(fc.integer(), fc.double(), fc.string()),
      }),
      fc.record({
        collection,
        rows: fc.array(
          fc.record({
            assumedMasterState: fc.oneof(fc.constant(null), fc.object()),
            newDocumentState: fc.oneof(
              fc.object(),
              fc.record({
                id: fc.oneof(fc.uuid(), fc.string()),
                conversationId: fc.constantFrom(group, randomUUID()),
                senderDeviceId: fc.constantFrom(alice.deviceId, randomUUID()),
                envelope: fc.oneof(fc.constant(envelope()), fc.string()),
                _deleted: fc.oneof(fc.boolean(), fc.anything()),
              }),
            ),
          }),
          { maxLength: 5 },
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('pull', 'push', 'typing', 'other'),
        payload,
        async (event, body) => {
          const answer = (await emit(alice.socket, event, body)) as Record<string, unknown>;
          if ('error' in answer) {
            const { error } = answer as { error: { code: string; message: string } };
            assert.ok((SYNC_ERROR_CODES as readonly string[]).includes(error.code), error.code);
            assert.notEqual(error.code, 'INTERNAL', error.message);
          } else if (event === 'pull') {
            assert.ok(Array.isArray(answer.documents));
          } else if (event === 'typing') {
            assert.deepEqual(answer, { ok: true });
          } else {
            assert.ok(Array.isArray(answer.conflicts) && Array.isArray(answer.rejected));
          }
        },
      ),
      { numRuns: 300 },
    );
    assert.ok(alice.socket.connected);
    const after = await countRows(suite.server, TABLES);
    // Valid random messages into Alice's own group may have been written; nothing else.
    assert.deepEqual({ ...after, messages: 0 }, { ...rowsBefore, messages: 0 });
    const { rows } = await suite.server.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM messages WHERE conversation_id <> $1',
      [group],
    );
    assert.equal(rows[0]?.n, 0);
  });
});
