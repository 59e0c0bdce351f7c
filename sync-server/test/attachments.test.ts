import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decryptAttachment, encryptAttachment } from '@anochat/protocol';
import type { WireDocument } from '@anochat/schemas/rxdb/sync';
import { assertError, login, request } from '@anochat/test-support/api';
import { nacl } from '@anochat/test-support/e2e-user';
import { uuidv7 } from '@anochat/test-support/ids';
import { useSyncServer } from '@anochat/test-support/suite';
import {
  createGroup,
  memberDoc,
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
  type TusAnswer,
  uploadOffset,
} from '@anochat/test-support/tus';
import { startFaultProxy } from '../../tests/chaos/fault-proxy.ts';
import { createPrng } from '../../tests/chaos/prng.ts';
import { collectAttachmentGarbage } from '../src/attachments/attachment-gc.ts';
import { attachmentStoreId } from '../src/attachments/attachment-repository.ts';
import { createDirectoryBlobStore } from '../src/attachments/directory-blob-store.ts';

/**
 * Attachment uploads (tus) and downloads against the real server, PostgreSQL and the directory blob
 * store, with blobs encrypted by the real WebAssembly secretstream. Limits are small here so that
 * tests of them stay quick: 8 MiB per file, a 20 MiB quota, 7 upload creations per window and user.
 */

const MIB = 1024 * 1024;
const dataDir = await mkdtemp(join(tmpdir(), 'attach-test-'));
const LIMITS = {
  DATA_DIR: dataDir,
  ATTACHMENTS_MAX_BYTES: String(8 * MIB),
  ATTACHMENTS_QUOTA_BYTES: String(20 * MIB),
  ATTACHMENTS_UPLOADS_PER_WINDOW: '7',
  RATE_LIMIT_WINDOW_SECONDS: '600',
};
const suite = useSyncServer(LIMITS);
/** This suite's database's folder in the store (named by the store id the migration chose). */
let storeFolder: string | undefined;
async function blobDir(): Promise<string> {
  storeFolder ??= join(dataDir, 'attachments', await attachmentStoreId(suite.server.pool));
  return storeFolder;
}
const clients: SyncClient[] = [];
after(async () => {
  for (const client of clients) client.socket.close();
  await rm(dataDir, { recursive: true, force: true });
});

const base = () => suite.server.baseUrl;

async function user(): Promise<SyncClient> {
  const client = await syncUser(base());
  clients.push(client);
  return client;
}

/** A file encrypted as the app does; `blob` is what is uploaded. */
function encryptedFile(size: number) {
  const file = new Uint8Array(randomBytes(size));
  const sealed = encryptAttachment(nacl, file);
  assert.ok(sealed.ok);
  return { file, ...sealed.value };
}

async function filesInStore(): Promise<string[]> {
  const folder = await blobDir();
  return existsSync(folder) ? (await readdir(folder)).sort() : [];
}

async function blobRows(): Promise<number> {
  const { rows } = await suite.server.pool.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM attachment_blobs',
  );
  return rows[0]?.n ?? -1;
}

/** Creates an upload and sends `blob` in PATCHes of `chunk` bytes; returns the blob id. */
async function upload(
  sender: SyncClient,
  conversationId: string,
  blob: Uint8Array,
  options: { messageId?: string; chunk?: number; token?: string } = {},
): Promise<{ blobId: string; messageId: string; uploadPath: string }> {
  const messageId = options.messageId ?? uuidv7();
  const token = options.token ?? sender.token;
  const created = await createUpload(base(), token, blob.length, { conversationId, messageId });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const uploadPath = created.uploadPath as string;
  const chunk = options.chunk ?? 4 * MIB;
  for (let offset = 0; offset < blob.length; offset += chunk) {
    const patched = await patchUpload(
      base(),
      token,
      uploadPath,
      offset,
      blob.subarray(offset, offset + chunk),
    );
    assert.equal(patched.status, 204, JSON.stringify(patched.body));
  }
  return { blobId: blobIdOf(uploadPath), messageId, uploadPath };
}

function messageRow(sender: SyncClient, conversationId: string, id: string) {
  return {
    id,
    conversationId,
    senderDeviceId: sender.deviceId,
    envelope: sealedMessage(sender, { id, conversationId, text: 'see attached' }),
    _deleted: false,
  };
}

async function pushMessage(sender: SyncClient, conversationId: string, id: string) {
  const answer = await push(sender, 'messages', [
    { assumedMasterState: null, newDocumentState: messageRow(sender, conversationId, id) },
  ]);
  assert.deepEqual(answer.rejected, []);
  assert.deepEqual(answer.conflicts, []);
}

function assertTusError(answer: TusAnswer, status: number, code: string) {
  assertError({ status: answer.status, headers: answer.headers, body: answer.body }, status, code);
}

describe('attachment uploads and downloads', () => {
  let alice: SyncClient;
  let bob: SyncClient;
  let group: string;
  before(async () => {
    [alice, bob] = [await user(), await user()];
    group = await createGroup(alice, [bob]);
  });

  it('a blob uploaded in chunks is downloaded by a member, whole and by ranges, and decrypts to the file', async () => {
    const { file, blob, sealed } = encryptedFile(5 * MIB + 123);
    const { blobId } = await upload(alice, group, blob, { chunk: 2 * MIB });
    const whole = await download(base(), bob.token, blobId);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    assert.deepEqual(whole.bytes, blob);
    const opened = decryptAttachment(nacl, sealed, whole.bytes);
    assert.ok(opened.ok);
    assert.deepEqual(opened.value, file);

    const middle = await download(base(), bob.token, blobId, 'bytes=1000-1999');
    assert.equal(middle.status, 206);
    assert.equal(middle.headers.get('content-range'), `bytes 1000-1999/${blob.length}`);
    assert.deepEqual(middle.bytes, blob.subarray(1000, 2000));
    const tail = await download(base(), bob.token, blobId, 'bytes=-10');
    assert.deepEqual(tail.bytes, blob.subarray(blob.length - 10));
    const rest = await download(base(), bob.token, blobId, `bytes=${blob.length - 5}-`);
    assert.deepEqual(rest.bytes, blob.subarray(blob.length - 5));
    const beyond = await download(base(), bob.token, blobId, `bytes=${blob.length}-`);
    assert.equal(beyond.status, 416);
    assert.equal(beyond.headers.get('content-range'), `bytes */${blob.length}`);
    assert.equal((beyond.body as { error: { code: string } }).error.code, 'RANGE_NOT_SATISFIABLE');

    // What the server keeps is the ciphertext, byte for byte, and not the file.
    const stored = await readFile(join(await blobDir(), blobId));
    assert.deepEqual(new Uint8Array(stored), blob);
    assert.equal(stored.indexOf(Buffer.from(file.subarray(0, 64))), -1);
  });

  it('resumes from the offset the server acknowledged after a proxy cuts the connection mid-chunk', async () => {
    const { file, blob, sealed } = encryptedFile(6 * MIB);
    const messageId = uuidv7();
    const created = await createUpload(base(), alice.token, blob.length, {
      conversationId: group,
      messageId,
    });
    const uploadPath = created.uploadPath as string;
    const proxy = await startFaultProxy({
      target: () => suite.server.port,
      prng: createPrng(13),
      // Slow enough that the cut lands while the body is still on its way.
      link: { bytesPerSecond: 2 * MIB },
    });
    try {
      const sending = patchUpload(proxy.url, alice.token, uploadPath, 0, blob).catch(
        (error: unknown) => error,
      );
      const onDisk = join(await blobDir(), blobIdOf(uploadPath));
      while (!existsSync(onDisk) || (await stat(onDisk)).size < MIB)
        await new Promise((resolve) => setTimeout(resolve, 20));
      proxy.reset();
      const cut = await sending;
      assert.ok(cut instanceof Error, 'the PATCH through the proxy was cut');
    } finally {
      await proxy.close();
    }
    // The server keeps what arrived; the client asks where to go on, and never starts again.
    let head = await uploadOffset(base(), alice.token, uploadPath);
    for (let tries = 0; head.status === 423 && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      head = await uploadOffset(base(), alice.token, uploadPath);
    }
    assert.equal(head.status, 200);
    const offset = head.offset as number;
    assert.ok(offset >= MIB && offset < blob.length, `resumes at ${offset}`);
    const rest = await patchUpload(base(), alice.token, uploadPath, offset, blob.subarray(offset));
    assert.equal(rest.status, 204, JSON.stringify(rest.body));
    assert.equal(rest.offset, blob.length);
    const fetched = await download(base(), bob.token, blobIdOf(uploadPath));
    const opened = decryptAttachment(nacl, sealed, fetched.bytes);
    assert.ok(opened.ok, 'the resumed blob decrypts');
    assert.deepEqual(opened.value, file);
  });

  it('resumes after the server restarts between chunks (the offset is on disk, not in memory)', async () => {
    const { file, blob, sealed } = encryptedFile(3 * MIB + 7);
    const created = await createUpload(base(), alice.token, blob.length, {
      conversationId: group,
      messageId: uuidv7(),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const uploadPath = created.uploadPath as string;
    const first = await patchUpload(base(), alice.token, uploadPath, 0, blob.subarray(0, MIB));
    assert.equal(first.offset, MIB);

    await suite.server.stop();
    suite.server = await startTestSyncServer(suite.database.url, suite.crypto.address, LIMITS);

    const head = await uploadOffset(base(), alice.token, uploadPath);
    assert.equal(head.offset, MIB);
    const wrongOffset = await patchUpload(base(), alice.token, uploadPath, 0, blob.subarray(0, 10));
    assertTusError(wrongOffset, 409, 'UPLOAD_CONFLICT');
    const rest = await patchUpload(base(), alice.token, uploadPath, MIB, blob.subarray(MIB));
    assert.equal(rest.status, 204);
    const fetched = await download(base(), bob.token, blobIdOf(uploadPath));
    const opened = decryptAttachment(nacl, sealed, fetched.bytes);
    assert.ok(opened.ok);
    assert.deepEqual(opened.value, file);
  });

  it('an upload still in progress cannot be downloaded, even by its sender', async () => {
    const { blob } = encryptedFile(1000);
    const created = await createUpload(base(), alice.token, blob.length, {
      conversationId: group,
      messageId: uuidv7(),
    });
    await patchUpload(base(), alice.token, created.uploadPath as string, 0, blob.subarray(0, 500));
    const early = await download(base(), alice.token, blobIdOf(created.uploadPath as string));
    assert.equal(early.status, 404);
  });
});

describe('who may upload and download', () => {
  it('strangers, removed members and revoked devices get 404 or 401, and the uploading device alone resumes', async () => {
    const [alice, bob, carol, stranger] = [await user(), await user(), await user(), await user()];
    const group = await createGroup(alice, [bob, carol]);
    const { blob } = encryptedFile(70_000);
    const { blobId, uploadPath } = await upload(alice, group, blob);
    assert.equal((await download(base(), carol.token, blobId)).status, 200);

    // A stranger: 404 for the blob and for the upload, and cannot bind an upload to the group.
    assertError(await downloadAnswer(stranger, blobId), 404, 'NOT_FOUND');
    assert.equal((await uploadOffset(base(), stranger.token, uploadPath)).status, 404);
    const foreign = await createUpload(base(), stranger.token, 10, {
      conversationId: group,
      messageId: uuidv7(),
    });
    assertTusError(foreign, 404, 'NOT_FOUND');

    // Another device of the uploader cannot touch the upload: it belongs to one device.
    const otherDevice = await loginAgain(alice);
    assert.equal((await uploadOffset(base(), otherDevice, uploadPath)).status, 404);
    assert.equal((await download(base(), otherDevice, blobId)).status, 200);

    // Carol is removed from the group: 404 from then on.
    await removeMember(alice, group, carol.userId);
    assertError(await downloadAnswer(carol, blobId), 404, 'NOT_FOUND');

    // Bob's device signs out (revoked): its token no longer works at all.
    const logout = await request(base(), 'POST', '/api/auth/logout', { token: bob.token });
    assert.equal(logout.status, 204);
    assertError(await downloadAnswer(bob, blobId), 401, 'UNAUTHENTICATED');

    // No token, a garbage id.
    const anonymous = await fetch(`${base()}/api/attachments/blobs/${blobId}`);
    assert.equal(anonymous.status, 401);
    assertError(await downloadAnswer(alice, 'not-a-uuid'), 404, 'NOT_FOUND');
  });
});

describe('limits are checked before any byte is stored', () => {
  it('size, binding, quota and rate limits answer clear codes and leave no file or record', async () => {
    const [alice, bob] = [await user(), await user()];
    const group = await createGroup(alice, [bob]);
    const before = { files: await filesInStore(), rows: await blobRows() };
    const binding = () => ({ conversationId: group, messageId: uuidv7() });
    const post = (length: number | string, metadata: Record<string, string> = binding()) =>
      createUpload(base(), alice.token, length, metadata);

    assertTusError(await post(8 * MIB + 1), 413, 'PAYLOAD_TOO_LARGE');
    assertTusError(await post('12abc'), 400, 'VALIDATION_FAILED');
    assertTusError(await post(-1), 400, 'VALIDATION_FAILED');
    assertTusError(await post(10, { conversationId: group }), 400, 'VALIDATION_FAILED');
    assertTusError(await post(10, { ...binding(), extra: 'x' }), 400, 'VALIDATION_FAILED');
    assertTusError(
      await post(10, { conversationId: 'x', messageId: uuidv7() }),
      400,
      'VALIDATION_FAILED',
    );
    assertTusError(
      await post(10, { conversationId: randomUUID(), messageId: uuidv7() }),
      404,
      'NOT_FOUND',
    );
    const deferred = await fetch(`${base()}/api/attachments/uploads`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${alice.token}`,
        'tus-resumable': '1.0.0',
        'upload-defer-length': '1',
      },
    });
    assert.equal(deferred.status, 400);
    assert.deepEqual({ files: await filesInStore(), rows: await blobRows() }, before);

    // Quota: 20 MiB. Two uploads of 7 MiB fit (in progress, they count already), a third does not.
    const first = await post(7 * MIB);
    assert.equal(first.status, 201);
    const second = await post(7 * MIB);
    assert.equal(second.status, 201);
    const over = await post(7 * MIB);
    assertTusError(over, 403, 'QUOTA_EXCEEDED');
    assert.equal(await blobRows(), before.rows + 2);
    // Cancelling frees the quota at once, with the bytes.
    const cancel = await fetch(`${base()}${second.uploadPath}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${alice.token}`, 'tus-resumable': '1.0.0' },
    });
    assert.equal(cancel.status, 204);
    assert.ok(!(await filesInStore()).includes(blobIdOf(second.uploadPath as string)));
    assert.equal((await post(7 * MIB)).status, 201);

    // A body longer than the declared length is refused by tus, and the upload stays at its offset.
    const small = await post(100);
    const tooLong = await patchUpload(
      base(),
      alice.token,
      small.uploadPath as string,
      0,
      new Uint8Array(200),
    );
    assert.ok(tooLong.status === 413 || tooLong.status === 400, `status ${tooLong.status}`);
    assert.equal((await uploadOffset(base(), alice.token, small.uploadPath as string)).offset, 0);

    // A second upload for the same message is refused, and points its own device at the first.
    const messageId = uuidv7();
    const once = await post(10, { conversationId: group, messageId });
    const twice = await post(10, { conversationId: group, messageId });
    assertTusError(twice, 409, 'UPLOAD_CONFLICT');
    assert.equal(twice.headers.get('location'), once.uploadPath);

    // Rate: 7 creations per window and user, refused ones included (the quota refusal and the
    // conflict above counted): this is the 8th.
    const rowsBefore = await blobRows();
    const limited = await post(10);
    assertTusError(limited, 429, 'RATE_LIMITED');
    assert.ok(Number(limited.headers.get('retry-after')) > 0);
    assert.equal(await blobRows(), rowsBefore);
  });
});

describe('expiry and garbage collection', () => {
  it('removes expired uploads, orphans, blobs of messages deleted for everyone and stray files; keeps the rest', async () => {
    const [alice, bob] = [await user(), await user()];
    const group = await createGroup(alice, [bob]);
    const store = await createDirectoryBlobStore(await blobDir());
    const gc = () =>
      collectAttachmentGarbage(suite.server.pool, store, {
        uploadExpirySeconds: 3600,
        orphanGraceSeconds: 3600,
      });
    await gc(); // start from a clean store

    const { blob } = encryptedFile(20_000);
    // Referenced by a message: kept however old.
    const kept = await upload(alice, group, blob);
    await pushMessage(alice, group, kept.messageId);
    // Never referenced, completed two hours ago: an orphan.
    const orphan = await upload(alice, group, blob);
    // Referenced by a message that is then deleted for everyone: removed at once.
    const deleted = await upload(alice, group, blob);
    await pushMessage(alice, group, deleted.messageId);
    // Fresh and unreferenced: still within the grace period (its message may be on its way).
    const fresh = await upload(alice, group, blob);
    // Incomplete and created two hours ago: expired.
    const stale = await createUpload(base(), alice.token, 1000, {
      conversationId: group,
      messageId: uuidv7(),
    });
    await patchUpload(base(), alice.token, stale.uploadPath as string, 0, new Uint8Array(300));
    // A file the store holds without any record.
    const stray = randomUUID();
    await writeFile(join(await blobDir(), stray), 'leftover');

    const ago = "now() - interval '2 hours'";
    await suite.server.pool.query(
      `UPDATE attachment_blobs SET created_at = ${ago}, completed_at = CASE WHEN completed_at IS NULL THEN NULL ELSE ${ago} END
        WHERE id = ANY($1::uuid[])`,
      [[kept.blobId, orphan.blobId, deleted.blobId, blobIdOf(stale.uploadPath as string)]],
    );
    const current = await push(alice, 'messages', [
      { assumedMasterState: null, newDocumentState: messageRow(alice, group, deleted.messageId) },
    ]);
    const master = current.conflicts[0];
    assert.ok(master);
    const removal = await push(alice, 'messages', [
      { assumedMasterState: master, newDocumentState: { ...master, _deleted: true } },
    ]);
    assert.deepEqual(removal.rejected, []);
    // Deleted for everyone: not downloadable even before the collector runs.
    assert.equal((await download(base(), bob.token, deleted.blobId)).status, 404);

    const collected = await gc();
    assert.deepEqual(collected, { expired: 1, orphaned: 1, deleted: 1, strays: 1 });
    const files = await filesInStore();
    for (const gone of [orphan.blobId, deleted.blobId, blobIdOf(stale.uploadPath as string), stray])
      assert.ok(!files.some((name) => name.startsWith(gone)), `${gone} removed`);
    assert.equal((await download(base(), bob.token, kept.blobId)).status, 200);
    assert.equal((await download(base(), bob.token, fresh.blobId)).status, 200);
    assert.equal((await download(base(), bob.token, orphan.blobId)).status, 404);
    assert.equal((await uploadOffset(base(), alice.token, stale.uploadPath as string)).status, 404);
    // A second run finds nothing more.
    assert.deepEqual(await gc(), { expired: 0, orphaned: 0, deleted: 0, strays: 0 });
  });
});

async function downloadAnswer(client: SyncClient, blobId: string) {
  const answer = await download(base(), client.token, blobId);
  return { status: answer.status, headers: answer.headers, body: answer.body };
}

/** A second device of `client`'s user (a login); returns its access token. */
async function loginAgain(client: SyncClient): Promise<string> {
  assert.ok(client.account);
  const session = await login(base(), client.account);
  return session.accessToken;
}

async function removeMember(admin: SyncClient, conversationId: string, userId: string) {
  // As RxDB would: push against the state we believe, take the server's state from a conflict,
  // push again against it.
  let master: WireDocument = { ...memberDoc(conversationId, userId), accepted: true };
  for (let attempt = 0; attempt < 3; attempt++) {
    const answer = await push(admin, 'members', [
      { assumedMasterState: master, newDocumentState: { ...master, removed: true } },
    ]);
    assert.deepEqual(answer.rejected, []);
    const conflict = answer.conflicts[0];
    if (conflict === undefined) return;
    master = conflict;
  }
  assert.fail('the removal kept conflicting');
}
