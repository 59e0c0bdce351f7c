import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  deriveAccountSecrets,
  encodeBase64,
  encryptAttachment,
  sealKeyBackup,
} from '@anochat/protocol';
import type { MessagePayload } from '@anochat/schemas/e2e/payload';
import { request } from '@anochat/test-support/api';
import {
  type E2eUser,
  keysOf,
  nacl,
  readConversation,
  receiveKeys,
  registerWithPassword,
  send,
  startEpoch,
  TEST_ARGON2ID,
} from '@anochat/test-support/e2e-user';
import { uuidv7 } from '@anochat/test-support/ids';
import { useSyncServer } from '@anochat/test-support/suite';
import { acceptRequest, create, memberDoc } from '@anochat/test-support/sync-client';
import { blobIdOf, createUpload, patchUpload } from '@anochat/test-support/tus';

/**
 * After a real conversation (text, an attachment descriptor, an edit, a reaction, a password
 * change), neither any table of PostgreSQL nor any line the server logged holds a plaintext or a
 * secret key, in any spelling: text, hex, base64 or base64url at every byte alignment.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'attach-no-plaintext-'));
const suite = useSyncServer({ SYNC_TEST_PUSH_DELAY_MAX_MS: '0', DATA_DIR: dataDir });
after(() => rmSync(dataDir, { recursive: true, force: true }));

/** Every file the server keeps (the attachment blobs and tus's records of them), as raw bytes. */
function storedFiles(): Buffer {
  const parts: Buffer[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else parts.push(readFileSync(path));
    }
  };
  walk(dataDir);
  return Buffer.concat(parts);
}
const url = () => suite.server.baseUrl;
const users: E2eUser[] = [];
after(() => {
  for (const user of users) user.sync.socket.close();
});

const utf8 = (text: string) => new TextEncoder().encode(text);

/**
 * Every way `bytes` could be spelled inside a text dump. Base64 of a value inside a longer value
 * depends on where it starts modulo 3: for each start, the characters made only of its bits.
 * Fragments shorter than 8 characters would match random data by chance and are left out.
 */
function spellings(bytes: Uint8Array): string[] {
  const hex = Buffer.from(bytes).toString('hex');
  const forms = [hex, hex.toUpperCase()];
  for (const shift of [0, 1, 2]) {
    const padded = Buffer.concat([Buffer.alloc(shift), Buffer.from(bytes)]);
    const from = Math.ceil((shift * 8) / 6);
    const to = Math.floor(((shift + bytes.length) * 8) / 6);
    if (to - from < 8) continue;
    forms.push(padded.toString('base64').slice(from, to));
    forms.push(padded.toString('base64url').slice(from, to));
  }
  return forms;
}

/** Every table of the database, each row as PostgreSQL's JSON of it (bytea as \\x hex). */
async function dumpDatabase(): Promise<{ tables: string[]; text: string }> {
  const { rows: tables } = await suite.server.pool.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  let text = '';
  for (const { name } of tables) {
    const { rows } = await suite.server.pool.query<{ row: string }>(
      `SELECT row_to_json(t)::text AS row FROM "${name}" t`,
    );
    text += `${name}\n${rows.map((row) => row.row).join('\n')}\n`;
  }
  return { tables: tables.map((table) => table.name), text };
}

describe('what the server stores and logs', () => {
  it('holds no plaintext and no secret in any table or log line', async () => {
    const password = 'tangerine-umbrella-sunrise-42';
    const newPassword = 'violet-harbour-midnight-17';
    const [alice, bob] = [
      await registerWithPassword(suite.server, `alice_${process.pid}`, password),
      await registerWithPassword(suite.server, `bob_${process.pid}`, 'another-long-password-99'),
    ];
    users.push(alice, bob);
    // The title is whatever the app seals; here opaque random bytes.
    const conversationId = randomUUID();
    await create(alice.sync, 'conversations', [
      {
        id: conversationId,
        kind: 'group',
        titleCiphertext: encodeBase64(nacl.randomBytes(48)),
        createdBy: alice.sync.userId,
        directPeerId: null,
        _deleted: false,
      },
    ]);
    await create(alice.sync, 'members', [memberDoc(conversationId, bob.sync.userId)]);
    await acceptRequest(bob.sync, conversationId);
    await startEpoch(alice, conversationId, 0);
    assert.ok((await receiveKeys(bob)).every((result) => result.ok));

    const text = 'Meet me at the old lighthouse at dawn, bring the blue folder';
    const editedText = 'Change of plan: the north pier at seven';
    const fileName = 'passport-scan-Maria-Gonzalez.pdf';
    const caption = 'Scanned at the consulate on Tuesday';
    const emoji = '👩‍👩‍👧‍👦';
    // Copied onto a plain ArrayBuffer, the type the payload schema infers.
    const fileText = 'Passport of Maria Gonzalez, number X4729183, valid until 2031. ';
    const encrypted = encryptAttachment(nacl, utf8(fileText.repeat(3000)));
    assert.ok(encrypted.ok);
    const { blob, sealed } = encrypted.value;
    const attachmentKey = new Uint8Array(sealed.key);
    const created = await createUpload(url(), alice.sync.token, blob.length, {
      conversationId,
      messageId: uuidv7(),
    });
    assert.equal(created.status, 201);
    const uploaded = await patchUpload(
      url(),
      alice.sync.token,
      created.uploadPath as string,
      0,
      blob,
    );
    assert.equal(uploaded.offset, blob.length);
    const first = await send(alice, conversationId, { type: 'text', text });
    const attachment: MessagePayload = {
      type: 'attachment',
      fileName,
      mime: 'application/pdf',
      size: sealed.size,
      key: attachmentKey,
      header: new Uint8Array(sealed.header),
      contentHash: new Uint8Array(sealed.contentHash),
      blobId: blobIdOf(created.uploadPath as string),
      caption,
    };
    await send(alice, conversationId, attachment);
    await send(alice, conversationId, { type: 'edit', messageId: first.id, text: editedText });
    await send(bob, conversationId, { type: 'reaction', messageId: first.id, emoji, on: true });

    // The conversation happened: Bob opens all four.
    const payloads = (await readConversation(bob, conversationId)).map(({ opened }) => {
      assert.ok(opened.ok);
      return opened.value.payload;
    });
    assert.deepEqual(
      payloads.map((payload) => payload.type),
      ['text', 'attachment', 'edit', 'reaction'],
    );
    assert.equal(payloads[1]?.type === 'attachment' && payloads[1].fileName, fileName);

    // A password change re-seals the backup; the new password must not leak either.
    const oldSecrets = await deriveAccountSecrets(nacl, alice.username, password, TEST_ARGON2ID);
    const newSecrets = await deriveAccountSecrets(nacl, alice.username, newPassword, TEST_ARGON2ID);
    const changed = await request(url(), 'POST', '/api/auth/password', {
      token: alice.sync.token,
      body: {
        authSecret: encodeBase64(oldSecrets.authSecret),
        newAuthSecret: encodeBase64(newSecrets.authSecret),
        keyBackup: encodeBase64(
          sealKeyBackup(nacl, newSecrets.backupKey, {
            identitySeed: alice.identitySeed,
            archiveKey: alice.archiveKey,
          }),
        ),
      },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));

    const texts: [string, string][] = [
      ['text', text],
      ['edited text', editedText],
      ['file name', fileName],
      ['caption', caption],
      ['file content', fileText],
      ['reaction', emoji],
      ['password', password],
      ['new password', newPassword],
    ];
    const keys: [string, Uint8Array][] = [
      ['attachment key', attachmentKey],
      ['epoch key', keysOf(alice, conversationId).get(0) as Uint8Array],
      ['auth secret', oldSecrets.authSecret],
      ['new auth secret', newSecrets.authSecret],
      ['backup key', oldSecrets.backupKey],
      ['new backup key', newSecrets.backupKey],
      ['identity seed', alice.identitySeed],
      ['archive key', alice.archiveKey],
      ['device box secret key', alice.sync.device.box.secretKey],
      ['device sign seed', alice.sync.device.sign.secretKey.slice(0, 32)],
    ];
    const searched: [string, string][] = [
      ...texts.flatMap(([name, value]): [string, string][] => [
        [name, value],
        ...spellings(utf8(value)).map((form): [string, string] => [name, form]),
      ]),
      ...keys.flatMap(([name, bytes]) =>
        spellings(bytes).map((form): [string, string] => [name, form]),
      ),
    ];
    const database = await dumpDatabase();
    const logs = suite.server.logs();
    // The dump and the logs are real: every table, the ciphertext, the public keys, requests.
    for (const table of ['users', 'devices', 'messages', 'key_envelopes', 'key_archive']) {
      assert.ok(database.tables.includes(table), table);
    }
    assert.ok(
      database.text.includes(Buffer.from(first.envelope as string, 'base64').toString('hex')),
    );
    assert.ok(database.text.includes(Buffer.from(alice.identityKeys.publicKey).toString('hex')));
    assert.ok(logs.includes('sync server listening') && logs.includes('/api/auth/password'));

    const files = storedFiles();
    // The store is real: it holds the encrypted blob, byte for byte.
    assert.ok(files.includes(Buffer.from(blob)));
    for (const [name, bytes] of [...keys, ['file content', utf8(fileText)] as [string, Uint8Array]])
      assert.equal(
        files.indexOf(Buffer.from(bytes)),
        -1,
        `${name} (raw bytes) is in the stored files`,
      );
    for (const [name, form] of searched) {
      assert.ok(!files.includes(form), `${name} (${form}) is in the stored files`);
      assert.ok(!database.text.includes(form), `${name} (${form}) is in the database`);
      assert.ok(!logs.includes(form), `${name} (${form}) is in the server log`);
    }
  });
});
