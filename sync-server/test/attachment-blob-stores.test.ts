import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decryptAttachment, encryptAttachment } from '@anochat/protocol';
import { assertError } from '@anochat/test-support/api';
import { nacl } from '@anochat/test-support/e2e-user';
import { uuidv7 } from '@anochat/test-support/ids';
import {
  startTestS3Server,
  type TestS3Server,
  useS3rverCredentials,
} from '@anochat/test-support/s3-server';
import { useSyncServer } from '@anochat/test-support/suite';
import {
  createGroup,
  push,
  type SyncClient,
  sealedMessage,
  syncUser,
} from '@anochat/test-support/sync-client';
import { startTestSyncServer } from '@anochat/test-support/sync-server';
import {
  blobIdOf,
  createUpload,
  download,
  patchUpload,
  uploadOffset,
} from '@anochat/test-support/tus';
import { Upload } from '@tus/utils';
import { startFaultProxy } from '../../tests/chaos/fault-proxy.ts';
import { createPrng } from '../../tests/chaos/prng.ts';
import { collectAttachmentGarbage } from '../src/attachments/attachment-gc.ts';
import { attachmentStoreId } from '../src/attachments/attachment-repository.ts';
import type { BlobStore } from '../src/attachments/blob-store.ts';
import { createDirectoryBlobStore } from '../src/attachments/directory-blob-store.ts';
import { BucketOwnedElsewhereError, createS3BlobStore } from '../src/attachments/s3-blob-store.ts';

/**
 * The contract every blob store keeps, run through the real server (tus uploads, ranged downloads,
 * the collector, the quota) against each backend: the directory store (DATA_DIR) and the
 * S3-compatible store (@tus/s3-store) on a real S3 server, s3rver, started here (see
 * support/s3-server.ts for the two operations s3rver lacks and this suite adds to it). Blobs are
 * encrypted by the real WebAssembly secretstream. Limits: 12 MiB per file, a 20 MiB quota (the
 * tests run in order: each counts what the earlier ones hold).
 */

const MIB = 1024 * 1024;
const LIMITS = {
  ATTACHMENTS_MAX_BYTES: String(12 * MIB),
  ATTACHMENTS_QUOTA_BYTES: String(20 * MIB),
  ATTACHMENTS_UPLOADS_PER_WINDOW: '100',
};

function encryptedFile(size: number) {
  const file = new Uint8Array(randomBytes(size));
  const sealed = encryptAttachment(nacl, file);
  assert.ok(sealed.ok);
  return { file, ...sealed.value };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const kind of ['directory', 's3'] as const) {
  describe(`the ${kind} blob store`, () => {
    const environment: Record<string, string> = { ...LIMITS };
    let s3: TestS3Server | undefined;
    let dataDir = '';
    before(async () => {
      dataDir = await mkdtemp(join(tmpdir(), 'blob-store-test-'));
      environment.DATA_DIR = dataDir;
      if (kind === 's3') {
        useS3rverCredentials();
        s3 = await startTestS3Server();
        Object.assign(environment, s3.environment);
      }
    });
    // Registered after the hook above, so the server starts with the bucket's variables.
    const suite = useSyncServer(environment);
    let store: BlobStore;
    let alice: SyncClient;
    let bob: SyncClient;
    let group: string;
    const clients: SyncClient[] = [];
    before(async () => {
      // A second handle on the store the server uses, as another instance would open it.
      const storeId = await attachmentStoreId(suite.server.pool);
      store =
        s3 === undefined
          ? await createDirectoryBlobStore(join(dataDir, 'attachments', storeId))
          : await createS3BlobStore(
              {
                bucket: s3.bucket,
                endpoint: s3.endpoint,
                region: 'us-east-1',
                forcePathStyle: true,
              },
              storeId,
            );
      [alice, bob] = [await syncUser(suite.server.baseUrl), await syncUser(suite.server.baseUrl)];
      clients.push(alice, bob);
      group = await createGroup(alice, [bob]);
    });
    after(async () => {
      for (const client of clients) client.socket.close();
      await s3?.close();
      await rm(dataDir, { recursive: true, force: true });
    });
    const base = () => suite.server.baseUrl;

    async function read(id: string, start: number, end: number): Promise<Uint8Array> {
      const chunks: Buffer[] = [];
      for await (const chunk of store.read(id, start, end)) chunks.push(chunk as Buffer);
      return new Uint8Array(Buffer.concat(chunks));
    }

    /** Waits until no request holds the upload's lock (a cut PATCH is released asynchronously). */
    async function settledOffset(uploadPath: string): Promise<number> {
      let head = await uploadOffset(base(), alice.token, uploadPath);
      for (let tries = 0; head.status === 423 && tries < 50; tries++) {
        await pause(100);
        head = await uploadOffset(base(), alice.token, uploadPath);
      }
      assert.equal(head.status, 200, JSON.stringify(head.body));
      return head.offset as number;
    }

    it('an upload cut by a proxy mid-chunk resumes from the offset the store reports, never from zero, and downloads whole and by ranges', async () => {
      // 9 MiB: over S3's 5 MiB part minimum, so the S3 store uses a multipart upload, a part of
      // which a 1 MiB PATCH never fills (an incomplete part object).
      const { file, blob, sealed } = encryptedFile(9 * MIB);
      const created = await createUpload(base(), alice.token, blob.length, {
        conversationId: group,
        messageId: uuidv7(),
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const uploadPath = created.uploadPath as string;
      const id = blobIdOf(uploadPath);
      assert.deepEqual(await store.list().then((ids) => ids.includes(id)), true);
      // A first chunk that arrives whole: whatever the cut, the offset stays at or beyond it.
      const first = await patchUpload(base(), alice.token, uploadPath, 0, blob.subarray(0, MIB));
      assert.equal(first.status, 204, JSON.stringify(first.body));
      assert.equal(await settledOffset(uploadPath), MIB);

      const proxy = await startFaultProxy({
        target: () => suite.server.port,
        prng: createPrng(kind === 's3' ? 31 : 29),
        link: { bytesPerSecond: 2 * MIB },
      });
      try {
        const sending = patchUpload(
          proxy.url,
          alice.token,
          uploadPath,
          MIB,
          blob.subarray(MIB),
        ).catch((error: unknown) => error);
        await pause(1500);
        proxy.reset();
        assert.ok((await sending) instanceof Error, 'the PATCH through the proxy was cut');
      } finally {
        await proxy.close();
      }
      const offset = await settledOffset(uploadPath);
      assert.ok(offset >= MIB && offset < blob.length, `resumes at ${offset}`);
      const rest = await patchUpload(
        base(),
        alice.token,
        uploadPath,
        offset,
        blob.subarray(offset),
      );
      assert.equal(rest.status, 204, JSON.stringify(rest.body));
      assert.equal(rest.offset, blob.length);

      const whole = await download(base(), bob.token, id);
      assert.equal(whole.status, 200);
      const opened = decryptAttachment(nacl, sealed, whole.bytes);
      assert.ok(opened.ok, 'the resumed blob decrypts');
      assert.deepEqual(opened.value, file);
      const middle = await download(base(), bob.token, id, 'bytes=5242000-5243999');
      assert.equal(middle.status, 206);
      assert.equal(middle.headers.get('content-range'), `bytes 5242000-5243999/${blob.length}`);
      assert.deepEqual(middle.bytes, blob.subarray(5_242_000, 5_244_000));
      const tail = await download(base(), bob.token, id, 'bytes=-10');
      assert.deepEqual(tail.bytes, blob.subarray(blob.length - 10));
      // The store itself holds the ciphertext, byte for byte (and only the chosen one holds it).
      assert.deepEqual(await read(id, 0, blob.length - 1), blob);
      assert.equal(existsSync(join(dataDir, 'attachments')), kind === 'directory');
    });

    it('the quota counts uploads in progress, a refused upload stores nothing, and a cancel frees both', async () => {
      const held = await store.list();
      const binding = () => ({ conversationId: group, messageId: uuidv7() });
      // 9 MiB held from the test above; 20 MiB quota.
      const first = await createUpload(base(), alice.token, 6 * MIB, binding());
      assert.equal(first.status, 201, JSON.stringify(first.body));
      await patchUpload(base(), alice.token, first.uploadPath as string, 0, new Uint8Array(1000));
      const over = await createUpload(base(), alice.token, 6 * MIB, binding());
      assertError(
        { status: over.status, headers: over.headers, body: over.body },
        403,
        'QUOTA_EXCEEDED',
      );
      const firstId = blobIdOf(first.uploadPath as string);
      assert.deepEqual((await store.list()).sort(), [...held, firstId].sort());

      const cancel = await fetch(`${base()}${first.uploadPath}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${alice.token}`, 'tus-resumable': '1.0.0' },
      });
      assert.equal(cancel.status, 204);
      assert.deepEqual((await store.list()).sort(), [...held].sort());
      const again = await createUpload(base(), alice.token, 6 * MIB, binding());
      assert.equal(again.status, 201, JSON.stringify(again.body));
      const cancelAgain = await fetch(`${base()}${again.uploadPath}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${alice.token}`, 'tus-resumable': '1.0.0' },
      });
      assert.equal(cancelAgain.status, 204);
    });

    it('the collector removes expired uploads, orphans, blobs of deleted messages and strays, and keeps the rest', async () => {
      const gc = () =>
        collectAttachmentGarbage(suite.server.pool, store, {
          uploadExpirySeconds: 3600,
          orphanGraceSeconds: 3600,
        });
      await gc();
      const uploadWhole = async (bytes: Uint8Array) => {
        const messageId = uuidv7();
        const created = await createUpload(base(), alice.token, bytes.length, {
          conversationId: group,
          messageId,
        });
        const patched = await patchUpload(
          base(),
          alice.token,
          created.uploadPath as string,
          0,
          bytes,
        );
        assert.equal(patched.status, 204, JSON.stringify(patched.body));
        return { id: blobIdOf(created.uploadPath as string), messageId };
      };
      const message = (id: string) => ({
        id,
        conversationId: group,
        senderDeviceId: alice.deviceId,
        envelope: sealedMessage(alice, { id, conversationId: group, text: 'see attached' }),
        _deleted: false,
      });
      const { blob } = encryptedFile(20_000);
      const kept = await uploadWhole(blob);
      await push(alice, 'messages', [
        { assumedMasterState: null, newDocumentState: message(kept.messageId) },
      ]);
      const orphan = await uploadWhole(blob);
      const deleted = await uploadWhole(blob);
      const pushed = await push(alice, 'messages', [
        { assumedMasterState: null, newDocumentState: message(deleted.messageId) },
      ]);
      assert.deepEqual(pushed.rejected, []);
      const fresh = await uploadWhole(blob);
      const stale = await createUpload(base(), alice.token, 1000, {
        conversationId: group,
        messageId: uuidv7(),
      });
      await patchUpload(base(), alice.token, stale.uploadPath as string, 0, new Uint8Array(300));
      const staleId = blobIdOf(stale.uploadPath as string);
      // An upload the store holds without a record (a crash between the two removals).
      const stray = randomUUID();
      await store.dataStore.create(new Upload({ id: stray, size: 10, offset: 0 }));
      assert.ok((await store.list()).includes(stray));

      const ago = "now() - interval '2 hours'";
      await suite.server.pool.query(
        `UPDATE attachment_blobs SET created_at = ${ago}, completed_at = CASE WHEN completed_at IS NULL THEN NULL ELSE ${ago} END
          WHERE id = ANY($1::uuid[])`,
        [[kept.id, orphan.id, deleted.id, staleId]],
      );
      const current = await push(alice, 'messages', [
        { assumedMasterState: null, newDocumentState: message(deleted.messageId) },
      ]);
      const master = current.conflicts[0];
      assert.ok(master);
      const removal = await push(alice, 'messages', [
        { assumedMasterState: master, newDocumentState: { ...master, _deleted: true } },
      ]);
      assert.deepEqual(removal.rejected, []);

      assert.deepEqual(await gc(), { expired: 1, orphaned: 1, deleted: 1, strays: 1 });
      const left = await store.list();
      for (const gone of [orphan.id, deleted.id, staleId, stray])
        assert.ok(!left.includes(gone), `${gone} removed`);
      for (const stays of [kept.id, fresh.id]) assert.ok(left.includes(stays), `${stays} kept`);
      assert.equal((await download(base(), bob.token, kept.id)).status, 200);
      assert.equal((await download(base(), bob.token, orphan.id)).status, 404);
      assert.equal(
        (await uploadOffset(base(), alice.token, stale.uploadPath as string)).status,
        404,
      );
      assert.deepEqual(await gc(), { expired: 0, orphaned: 0, deleted: 0, strays: 0 });
    });

    it('an upload resumes after the server restarts between chunks (the offset is in the store, not in memory)', async () => {
      const { file, blob, sealed } = encryptedFile(9 * MIB);
      const created = await createUpload(base(), alice.token, blob.length, {
        conversationId: group,
        messageId: uuidv7(),
      });
      const uploadPath = created.uploadPath as string;
      const first = await patchUpload(base(), alice.token, uploadPath, 0, blob.subarray(0, MIB));
      assert.equal(first.offset, MIB);

      await suite.server.stop();
      suite.server = await startTestSyncServer(
        suite.database.url,
        suite.crypto.address,
        environment,
      );

      assert.equal(await settledOffset(uploadPath), MIB);
      const rest = await patchUpload(base(), alice.token, uploadPath, MIB, blob.subarray(MIB));
      assert.equal(rest.status, 204, JSON.stringify(rest.body));
      const fetched = await download(base(), bob.token, blobIdOf(uploadPath));
      const opened = decryptAttachment(nacl, sealed, fetched.bytes);
      assert.ok(opened.ok, 'the resumed blob decrypts');
      assert.deepEqual(opened.value, file);
    });

    if (kind === 's3') {
      it('a bucket holds one database: a server of another database refuses it', async () => {
        const s3Server = s3 as TestS3Server;
        await assert.rejects(
          createS3BlobStore(
            {
              bucket: s3Server.bucket,
              endpoint: s3Server.endpoint,
              region: 'us-east-1',
              forcePathStyle: true,
            },
            randomUUID(),
          ),
          BucketOwnedElsewhereError,
        );
      });
    }
  });
}
