import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after } from 'node:test';
import { createWasmNacl, type KeyPair } from '@anochat/crypto-native';
import { loadNaclWasm } from '@anochat/crypto-native/node';
import {
  type Argon2idCost,
  buildDeviceDirectory,
  type DeviceKeys,
  decodeBase64,
  deriveAccountSecrets,
  type E2eFailure,
  type E2eResult,
  encodeBase64,
  identityKeyPair,
  type LocalDevice,
  type MembershipView,
  newAccountKeys,
  newCertifiedDevice,
  newConversationKey,
  type OpenedMessage,
  openArchiveEntry,
  openKeyBackup,
  openKeyEnvelope,
  openMessage,
  type PublishedDevice,
  sealArchiveEntry,
  sealKeyBackup,
  sealMessage,
  wrapConversationKeyForMembers,
} from '@anochat/protocol';
import type { KeyBackupResponse, NewDevice, SessionResponse } from '@anochat/schemas/api/auth';
import type { MessagePayload } from '@anochat/schemas/e2e/payload';
import type {
  CollectionName,
  PushResponse,
  StreamEvent,
  WireDocument,
} from '@anochat/schemas/rxdb/sync';
import type { Queryable } from '../../src/database/pool.ts';
import { request } from './api.ts';
import { uuidv7 } from './ids.ts';
import { assertAccepted, connectSocket, pullAll, push, type SyncClient } from './sync-client.ts';

/**
 * A client of the end-to-end protocol as the app will be one: it derives its secrets from the
 * password, keeps its identity in the server's key backup, certifies its devices, wraps epoch keys
 * for the trusted devices of members, archives every key it obtains, and opens what it pulls with
 * the real protocol module (WebAssembly provider). Everything goes through the real HTTP API and
 * socket.io replication.
 */

export const nacl = createWasmNacl(await loadNaclWasm());

/** Argon2id at the minimum cost: these tests are about the protocol, not the password's strength. */
export const TEST_ARGON2ID: Argon2idCost = { opsLimit: 1, memLimitBytes: 1024 * 1024 };

/** The server under test, and its database to wait on (see `pulled`). */
export interface E2eServer {
  baseUrl: string;
  pool: Queryable;
}

export interface E2eUser {
  server: E2eServer;
  username: string;
  password: string;
  identityKeys: KeyPair;
  identitySeed: Uint8Array;
  archiveKey: Uint8Array;
  /** The connected device (ids, keys, socket). */
  sync: SyncClient;
  session: SessionResponse;
  /** Epoch keys this device holds, per conversation. */
  keys: Map<string, Map<number, Uint8Array>>;
}

/** Failure of a password login, on the server (HTTP code) or on the client (e2e code). */
export type LoginFailure = { where: 'server'; status: number; code: string } | E2eFailure;

async function connect(
  baseUrl: string,
  session: SessionResponse,
  username: string,
  identityKeys: KeyPair,
  deviceKeys: DeviceKeys,
): Promise<SyncClient> {
  const socket = await connectSocket(baseUrl, { token: session.accessToken });
  const streams: StreamEvent[] = [];
  socket.on('stream', (event: StreamEvent) => streams.push(event));
  const device: LocalDevice = {
    userId: session.user.id,
    deviceId: session.device.id,
    ...deviceKeys,
  };
  return {
    userId: session.user.id,
    deviceId: session.device.id,
    token: session.accessToken,
    socket,
    streams,
    device,
    identity: { username, keys: identityKeys, keyBackup: '' },
  };
}

function certifiedDevice(
  username: string,
  identityKeys: KeyPair,
  name: string,
): { keys: DeviceKeys; body: NewDevice } {
  const { keys, certificate } = newCertifiedDevice(nacl, identityKeys.secretKey, username);
  return {
    keys,
    body: {
      name,
      boxPublicKey: encodeBase64(keys.box.publicKey),
      signPublicKey: encodeBase64(keys.sign.publicKey),
      certificate: encodeBase64(certificate),
    },
  };
}

/** A new account: secrets from the password, a fresh identity and archive key, a first device. */
/**
 * The users of one test file: registered with a password under unique names; their sockets, and
 * those of devices handed to `closeAfterSuite`, are closed after the file's tests.
 */
export function suiteUsers(server: () => E2eServer, defaultPassword: string) {
  const users: E2eUser[] = [];
  let counter = 0;
  after(() => {
    for (const user of users) user.sync.socket.close();
  });
  return {
    async register(prefix: string, password = defaultPassword): Promise<E2eUser> {
      counter += 1;
      const user = await registerWithPassword(
        server(),
        `${prefix}_${process.pid}_${counter}`,
        password,
      );
      users.push(user);
      return user;
    },
    closeAfterSuite(user: E2eUser): void {
      users.push(user);
    },
  };
}

export async function registerWithPassword(
  server: E2eServer,
  username: string,
  password: string,
): Promise<E2eUser> {
  const { baseUrl } = server;
  const secrets = await deriveAccountSecrets(nacl, username, password, TEST_ARGON2ID);
  const contents = newAccountKeys(nacl);
  const identityKeys = identityKeyPair(nacl, contents.identitySeed);
  const device = certifiedDevice(username, identityKeys, 'first device');
  const response = await request(baseUrl, 'POST', '/api/auth/register', {
    body: {
      username,
      authSecret: encodeBase64(secrets.authSecret),
      identityPublicKey: encodeBase64(identityKeys.publicKey),
      keyBackup: encodeBase64(sealKeyBackup(nacl, secrets.backupKey, contents)),
      device: device.body,
    },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  const session = response.body as SessionResponse;
  return {
    server,
    username,
    password,
    identityKeys,
    identitySeed: contents.identitySeed,
    archiveKey: contents.archiveKey,
    sync: await connect(baseUrl, session, username, identityKeys, device.keys),
    session,
    keys: new Map(),
  };
}

/**
 * A new device with nothing but the username and password: fetch the key backup, open it, certify
 * fresh device keys with the restored identity key, log in. The history comes from the archive.
 */
export async function loginWithPassword(
  server: E2eServer,
  username: string,
  password: string,
): Promise<E2eResult<E2eUser> | { ok: false; error: LoginFailure }> {
  const { baseUrl } = server;
  const secrets = await deriveAccountSecrets(nacl, username, password, TEST_ARGON2ID);
  const authSecret = encodeBase64(secrets.authSecret);
  const backupResponse = await request(baseUrl, 'POST', '/api/auth/key-backup', {
    body: { username, authSecret },
  });
  if (backupResponse.status !== 200) {
    const { code } = (backupResponse.body as { error: { code: string } }).error;
    return { ok: false, error: { where: 'server', status: backupResponse.status, code } };
  }
  const backup = backupResponse.body as KeyBackupResponse;
  const restored = openKeyBackup(
    nacl,
    secrets.backupKey,
    decodeBase64(backup.keyBackup) ?? new Uint8Array(),
  );
  if (!restored.ok) return restored;
  const identityKeys = identityKeyPair(nacl, restored.value.identitySeed);
  // The restored identity must be the one the server publishes (else the backup was swapped).
  assert.equal(encodeBase64(identityKeys.publicKey), backup.identityPublicKey);
  const device = certifiedDevice(username, identityKeys, 'new phone');
  const response = await request(baseUrl, 'POST', '/api/auth/login', {
    body: { username, authSecret, device: device.body },
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  const session = response.body as SessionResponse;
  return {
    ok: true,
    value: {
      server,
      username,
      password,
      identityKeys,
      identitySeed: restored.value.identitySeed,
      archiveKey: restored.value.archiveKey,
      sync: await connect(baseUrl, session, username, identityKeys, device.keys),
      session,
      keys: new Map(),
    },
  };
}

/**
 * Waits until every transaction begun so far in the PostgreSQL cluster has ended. A pull hands out
 * rows below the snapshot's xmin (docs/protocol.md, "Why a pull never skips a row"), so a row
 * committed a moment ago may wait for an unrelated open transaction, of another test run on the
 * same cluster for example; a real client pulls again on the next poke. Tests wait instead.
 */
export async function horizonPassed(db: Queryable): Promise<void> {
  const { rows } = await db.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid');
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { rows: passed } = await db.query<{ passed: boolean }>(
      'SELECT pg_snapshot_xmin(pg_current_snapshot()) > $1::xid8 AS passed',
      [rows[0]?.xid],
    );
    if (passed[0]?.passed === true) return;
    assert.ok(Date.now() < deadline, 'a transaction of the cluster stayed open for 30 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Everything this device pulls of a collection, once every earlier commit is visible. */
export async function pulled(user: E2eUser, collection: CollectionName) {
  await horizonPassed(user.server.pool);
  return pullAll(user.sync, collection);
}

const bytesOf = (base64: unknown) => decodeBase64(base64 as string) ?? new Uint8Array();
const nullableBytes = (base64: unknown) => (base64 === null ? null : bytesOf(base64));

/**
 * What this device knows of a conversation from replication: the devices it trusts (certificates
 * checked under each user's identity key, revocations applied) and the members (`current` for whom
 * to wrap keys; otherwise everyone who ever was a member, to open their earlier messages).
 */
export async function membershipView(
  user: E2eUser,
  conversationId: string,
  { current }: { current: boolean } = { current: false },
): Promise<MembershipView> {
  const [users, devices, members] = await Promise.all([
    pulled(user, 'users'),
    pulled(user, 'devices'),
    pulled(user, 'members'),
  ]);
  const published = (userId: string): PublishedDevice[] =>
    devices.documents
      .filter((device) => device.userId === userId)
      .map((device) => ({
        id: device.id,
        userId,
        boxPublicKey: bytesOf(device.boxPublicKey),
        signPublicKey: bytesOf(device.signPublicKey),
        certificate: nullableBytes(device.certificate),
        revocation: nullableBytes(device.revocation),
      }));
  const directory = buildDeviceDirectory(
    nacl,
    users.documents
      .filter((profile) => profile.identityPublicKey !== null)
      .map((profile) => ({
        user: {
          userId: profile.id,
          username: profile.username as string,
          identityPublicKey: bytesOf(profile.identityPublicKey),
        },
        devices: published(profile.id),
      })),
  );
  const memberIds = members.documents
    .filter((member) => member.conversationId === conversationId)
    .filter((member) => !current || member.removed !== true)
    .map((member) => member.userId as string);
  return { directory, members: new Set(memberIds) };
}

function remember(user: E2eUser, conversationId: string, epoch: number, key: Uint8Array): void {
  const epochs = user.keys.get(conversationId) ?? new Map<number, Uint8Array>();
  epochs.set(epoch, key);
  user.keys.set(conversationId, epochs);
}

/** Seals an epoch key into the user's archive unless the archive already holds that epoch. */
export async function archiveKey(
  user: E2eUser,
  conversationId: string,
  epoch: number,
  key: Uint8Array,
): Promise<void> {
  const archived = await pulled(user, 'keyArchive');
  if (archived.documents.some((d) => d.conversationId === conversationId && d.epoch === epoch)) {
    return;
  }
  const answer = await push(user.sync, 'keyArchive', [
    {
      assumedMasterState: null,
      newDocumentState: archiveEntryDoc(user, conversationId, epoch, key),
    },
  ]);
  assertAccepted(answer);
}

export function archiveEntryDoc(
  user: E2eUser,
  conversationId: string,
  epoch: number,
  key: Uint8Array,
): WireDocument {
  return {
    id: randomUUID(),
    userId: user.sync.userId,
    conversationId,
    epoch,
    sealedKey: encodeBase64(
      sealArchiveEntry(nacl, user.archiveKey, { conversationId, epoch, key }),
    ),
    _deleted: false,
  };
}

/**
 * Starts `epoch` of the conversation: a random key, archived, wrapped for every trusted device of
 * every current member (this device excepted). Answers the server's answer to the envelopes.
 */
export async function startEpoch(
  user: E2eUser,
  conversationId: string,
  epoch: number,
): Promise<PushResponse> {
  const key = newConversationKey(nacl);
  remember(user, conversationId, epoch, key);
  await archiveKey(user, conversationId, epoch, key);
  return shareEpoch(user, conversationId, epoch);
}

/**
 * Wraps the key of an epoch this device holds for the trusted devices of the current members, or
 * only of `onlyUsers` (a newcomer, given the current epoch by the device that added it).
 */
export async function shareEpoch(
  user: E2eUser,
  conversationId: string,
  epoch: number,
  onlyUsers?: readonly string[],
): Promise<PushResponse> {
  const key = user.keys.get(conversationId)?.get(epoch);
  assert.ok(key, `no key for epoch ${epoch}`);
  const view = await membershipView(user, conversationId, { current: true });
  const envelopes = wrapConversationKeyForMembers(
    nacl,
    { conversationId, epoch, key },
    user.sync.device,
    view,
  ).filter(
    ({ recipientDeviceId }) =>
      onlyUsers === undefined ||
      onlyUsers.includes(view.directory.trusted.get(recipientDeviceId)?.userId as string),
  );
  return push(
    user.sync,
    'keyEnvelopes',
    envelopes.map(({ recipientDeviceId, envelope }) => ({
      assumedMasterState: null,
      newDocumentState: {
        id: randomUUID(),
        conversationId,
        epoch,
        recipientDeviceId,
        senderDeviceId: user.sync.deviceId,
        envelope: encodeBase64(envelope),
        _deleted: false,
      },
    })),
  );
}

/** Opens every key envelope addressed to this device and archives the keys; answers each result. */
export async function receiveKeys(user: E2eUser): Promise<E2eResult<{ epoch: number }>[]> {
  const { documents } = await pulled(user, 'keyEnvelopes');
  const results: E2eResult<{ epoch: number }>[] = [];
  for (const document of documents) {
    const conversationId = document.conversationId as string;
    const epoch = document.epoch as number;
    const view = await membershipView(user, conversationId);
    const opened = openKeyEnvelope(nacl, bytesOf(document.envelope), user.sync.device, view, {
      conversationId,
      epoch,
    });
    if (opened.ok) {
      remember(user, conversationId, epoch, opened.value.key);
      await archiveKey(user, conversationId, epoch, opened.value.key);
      results.push({ ok: true, value: { epoch } });
    } else {
      results.push(opened);
    }
  }
  return results;
}

/** Restores every epoch key from the user's archive (a new device's first step after login). */
export async function restoreArchive(user: E2eUser): Promise<number> {
  const { documents } = await pulled(user, 'keyArchive');
  for (const document of documents) {
    const conversationId = document.conversationId as string;
    const opened = openArchiveEntry(nacl, user.archiveKey, bytesOf(document.sealedKey), {
      conversationId,
      epoch: document.epoch as number,
    });
    assert.ok(opened.ok, JSON.stringify(!opened.ok && opened.error));
    remember(user, conversationId, opened.value.epoch, opened.value.key);
  }
  return documents.length;
}

/** The newest epoch this device has a key for. */
export function currentEpoch(user: E2eUser, conversationId: string): number {
  const epochs = [...(user.keys.get(conversationId)?.keys() ?? [])];
  assert.ok(epochs.length > 0, `no key for ${conversationId}`);
  return Math.max(...epochs);
}

/** A message row sealed under the conversation's current epoch key and signed by this device. */
export function sealedRow(
  user: E2eUser,
  conversationId: string,
  payload: MessagePayload,
  options: { id?: string; epoch?: number } = {},
): WireDocument {
  const { id = uuidv7(), epoch = currentEpoch(user, conversationId) } = options;
  const key = user.keys.get(conversationId)?.get(epoch);
  assert.ok(key, `no key for epoch ${epoch}`);
  const envelope = sealMessage(
    nacl,
    { id, conversationKey: { conversationId, epoch, key }, payload },
    user.sync.device,
  );
  return {
    id,
    conversationId,
    senderDeviceId: user.sync.deviceId,
    envelope: encodeBase64(envelope),
    _deleted: false,
  };
}

/** Seals, pushes and asserts the server stored it. */
export async function send(
  user: E2eUser,
  conversationId: string,
  payload: MessagePayload,
): Promise<WireDocument> {
  const row = sealedRow(user, conversationId, payload);
  const answer = await push(user.sync, 'messages', [
    { assumedMasterState: null, newDocumentState: row },
  ]);
  assertAccepted(answer);
  return row;
}

/** Opens one message row as this device would (its keys, its view of the conversation). */
export function openRow(
  user: E2eUser,
  row: WireDocument,
  view: MembershipView,
): E2eResult<OpenedMessage> {
  const conversationId = row.conversationId as string;
  return openMessage(
    nacl,
    bytesOf(row.envelope),
    { id: row.id, conversationId, senderDeviceId: row.senderDeviceId as string },
    user.keys.get(conversationId) ?? new Map(),
    view,
  );
}

/** Every message of the conversation this device pulls, opened, in pull order. */
export async function readConversation(
  user: E2eUser,
  conversationId: string,
): Promise<{ row: WireDocument; opened: E2eResult<OpenedMessage> }[]> {
  const view = await membershipView(user, conversationId);
  const { documents } = await pulled(user, 'messages');
  return documents
    .filter((row) => row.conversationId === conversationId && row._deleted !== true)
    .map((row) => ({ row, opened: openRow(user, row, view) }));
}

/** The texts of the opened text messages (other payloads and refusals left out). */
export const textsOf = (messages: Awaited<ReturnType<typeof readConversation>>) =>
  messages.flatMap(({ opened }) =>
    opened.ok && opened.value.payload.type === 'text' ? [opened.value.payload.text] : [],
  );
