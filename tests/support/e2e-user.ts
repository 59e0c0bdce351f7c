import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after } from 'node:test';
import { createWasmNacl, type KeyPair } from '@anochat/crypto-native';
import { loadNaclWasm } from '@anochat/crypto-native/node';
import {
  type Argon2idCost,
  decodeBase64,
  type E2eFailure,
  type E2eResult,
  encodeBase64,
  identityKeyPair,
  type LocalDevice,
  type MembershipView,
  newConversationKey,
  type OpenedMessage,
  openArchiveEntry,
  openKeyEnvelope,
  wrapConversationKeyForMembers,
} from '@anochat/protocol';
import {
  archiveEntryRow,
  confirmKey,
  type DeviceRow,
  deviceDirectoryOf,
  emptyKeyring,
  type Keyring,
  newAccount,
  openMessageRow,
  type PendingDevice,
  passwordSecrets,
  restoreFromBackup,
  sealingEpoch,
  sealMessageEnvelope,
  type UserRow,
} from '@anochat/protocol/client';
import type { KeyBackupResponse, NewDevice, SessionResponse } from '@anochat/schemas/api/auth';
import type { MessagePayload } from '@anochat/schemas/e2e/payload';
import type {
  CollectionName,
  PushResponse,
  StreamEvent,
  WireDocument,
} from '@anochat/schemas/rxdb/sync';
import type { Queryable } from '@anochat/sync-server/database/pool';
import { request } from './api.ts';
import { uuidv7 } from './ids.ts';
import { assertAccepted, connectSocket, pullAll, push, type SyncClient } from './sync-client.ts';

/**
 * A user of the end-to-end protocol as the app is one, through the same client core
 * (@anochat/protocol/client): it derives its secrets from the password, keeps its identity in the
 * server's key backup, certifies its devices, wraps epoch keys for the trusted devices of members,
 * archives every key it obtains, and opens what it pulls (WebAssembly provider). Everything goes
 * through the real HTTP API and socket.io replication; the rows come from pulls, not a database.
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
  /** The keyring of each conversation this device holds keys of. */
  keyrings: Map<string, Keyring>;
}

/** Failure of a password login, on the server (HTTP code) or on the client (e2e code). */
export type LoginFailure = { where: 'server'; status: number; code: string } | E2eFailure;

async function connect(
  baseUrl: string,
  session: SessionResponse,
  device: PendingDevice,
): Promise<SyncClient> {
  const socket = await connectSocket(baseUrl, { token: session.accessToken });
  const streams: StreamEvent[] = [];
  socket.on('stream', (event: StreamEvent) => streams.push(event));
  const local: LocalDevice = {
    userId: session.user.id,
    deviceId: session.device.id,
    ...device.keys,
  };
  return {
    userId: session.user.id,
    deviceId: session.device.id,
    token: session.accessToken,
    socket,
    streams,
    device: local,
    identity: {
      username: device.username,
      keys: identityKeyPair(nacl, device.identitySeed),
      keyBackup: '',
    },
  };
}

/** The registration or login body of a device the core certified. */
const newDevice = (device: PendingDevice, name: string): NewDevice => ({
  name,
  ...device.publicKeys,
});

async function signedIn(
  server: E2eServer,
  username: string,
  password: string,
  device: PendingDevice,
  session: SessionResponse,
): Promise<E2eUser> {
  return {
    server,
    username,
    password,
    identityKeys: identityKeyPair(nacl, device.identitySeed),
    identitySeed: device.identitySeed,
    archiveKey: device.archiveKey,
    sync: await connect(server.baseUrl, session, device),
    session,
    keyrings: new Map(),
  };
}

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

/** A new account: secrets from the password, a fresh identity and archive key, a first device. */
export async function registerWithPassword(
  server: E2eServer,
  username: string,
  password: string,
): Promise<E2eUser> {
  const account = await newAccount(nacl, username, password, TEST_ARGON2ID);
  const response = await request(server.baseUrl, 'POST', '/api/auth/register', {
    body: {
      username,
      authSecret: account.authSecret,
      identityPublicKey: account.identityPublicKey,
      keyBackup: account.keyBackup,
      device: newDevice(account.device, 'first device'),
    },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return signedIn(server, username, password, account.device, response.body as SessionResponse);
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
  const secrets = await passwordSecrets(nacl, username, password, TEST_ARGON2ID);
  const backupResponse = await request(baseUrl, 'POST', '/api/auth/key-backup', {
    body: { username, authSecret: secrets.authSecret },
  });
  if (backupResponse.status !== 200) {
    const { code } = (backupResponse.body as { error: { code: string } }).error;
    return { ok: false, error: { where: 'server', status: backupResponse.status, code } };
  }
  const restored = restoreFromBackup(
    nacl,
    username,
    secrets.backupKey,
    backupResponse.body as KeyBackupResponse,
  );
  if (!restored.ok) return restored;
  const response = await request(baseUrl, 'POST', '/api/auth/login', {
    body: {
      username,
      authSecret: secrets.authSecret,
      device: newDevice(restored.value, 'new phone'),
    },
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return {
    ok: true,
    value: await signedIn(
      server,
      username,
      password,
      restored.value,
      response.body as SessionResponse,
    ),
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

/**
 * What this device knows of a conversation from replication: the devices it trusts (the core's
 * device directory over the pulled users and devices) and the members (`current` for whom to wrap
 * keys; otherwise everyone who ever was a member, to open their earlier messages).
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
  const directory = deviceDirectoryOf(
    nacl,
    users.documents as unknown as UserRow[],
    devices.documents as unknown as DeviceRow[],
  );
  const memberIds = members.documents
    .filter((member) => member.conversationId === conversationId)
    .filter((member) => !current || member.removed !== true)
    .map((member) => member.userId as string);
  return { directory, members: new Set(memberIds) };
}

const bytesOf = (base64: unknown) => decodeBase64(base64 as string) ?? new Uint8Array();

function keyringOf(user: E2eUser, conversationId: string): Keyring {
  const keyring = user.keyrings.get(conversationId) ?? emptyKeyring();
  user.keyrings.set(conversationId, keyring);
  return keyring;
}

/** The epoch keys this device holds for a conversation (none: empty). */
export const keysOf = (user: E2eUser, conversationId: string): ReadonlyMap<number, Uint8Array> =>
  user.keyrings.get(conversationId)?.keys ?? new Map();

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
  const row = archiveEntryRow(nacl, randomUUID(), user.sync.userId, user.archiveKey, {
    conversationId,
    epoch,
    key,
  });
  return { ...row, _deleted: false };
}

/**
 * Starts `epoch` of the conversation: a random key, archived, wrapped for every trusted device of
 * every current member (this device excepted). Answers the server's answer to the envelopes. The
 * epoch is the test's to choose (two devices racing for the same one, for example).
 */
export async function startEpoch(
  user: E2eUser,
  conversationId: string,
  epoch: number,
): Promise<PushResponse> {
  const key = newConversationKey(nacl);
  confirmKey(keyringOf(user, conversationId), epoch, key);
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
  const key = keysOf(user, conversationId).get(epoch);
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
      confirmKey(keyringOf(user, conversationId), epoch, opened.value.key);
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
    confirmKey(keyringOf(user, conversationId), opened.value.epoch, opened.value.key);
  }
  return documents.length;
}

/** The epoch this device seals under: the newest it has a key for (the core's `sealingEpoch`). */
export function currentEpoch(user: E2eUser, conversationId: string): number {
  const keyring = user.keyrings.get(conversationId);
  const epoch = keyring === undefined ? null : sealingEpoch(keyring);
  assert.ok(epoch !== null, `no key for ${conversationId}`);
  return epoch;
}

/** A message row sealed under the conversation's current epoch key and signed by this device. */
export function sealedRow(
  user: E2eUser,
  conversationId: string,
  payload: MessagePayload,
  options: { id?: string; epoch?: number } = {},
): WireDocument {
  const { id = uuidv7(), epoch = currentEpoch(user, conversationId) } = options;
  const key = keysOf(user, conversationId).get(epoch);
  assert.ok(key, `no key for epoch ${epoch}`);
  return {
    id,
    conversationId,
    senderDeviceId: user.sync.deviceId,
    envelope: sealMessageEnvelope(
      nacl,
      user.sync.device,
      { conversationId, epoch, key },
      id,
      payload,
    ),
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

/**
 * Opens one message row as this device would (its keys, its view of the conversation), without
 * the server's time: a revoked sender's messages do not open.
 */
export function openRow(
  user: E2eUser,
  row: WireDocument,
  view: MembershipView,
): E2eResult<OpenedMessage> {
  const conversationId = row.conversationId as string;
  const opened = openMessageRow(
    nacl,
    {
      id: row.id,
      conversationId,
      senderDeviceId: row.senderDeviceId as string,
      envelope: row.envelope as string,
    },
    keysOf(user, conversationId),
    view,
  );
  return opened.ok ? { ok: true, value: opened.message } : opened;
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
