import type { SyncNacl } from '@anochat/crypto-native';
import {
  buildDeviceDirectory,
  bytesToUuid,
  type ConversationKeyRef,
  createDeviceRevocation,
  type DeviceDirectory,
  type DeviceKeys,
  decodeBase64,
  deriveAccountSecrets,
  type E2eFailure,
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
  openTitle,
  type PublishedDevice,
  safetyNumber,
  sealArchiveEntry,
  sealKeyBackup,
  sealMessage,
  sealTitle,
  type TrustedDevice,
  type UserIdentity,
  wrapConversationKey,
} from '@anochat/crypto-native/e2e';
import type { MessagePayload } from '@anochat/schemas/e2e/payload';
import { merge } from 'rxjs';
import type {
  AppDatabase,
  ConversationDoc,
  DeviceDoc,
  KeyArchiveDoc,
  KeyEnvelopeDoc,
  MessageDoc,
} from '../database/app-database.ts';
import type { SecretStore } from '../platform/platform.ts';
import {
  type DeviceSecrets,
  forgetDeviceSecrets,
  loadDeviceSecrets,
  saveDeviceSecrets,
} from './device-secrets.ts';

export class AccountKeyError extends Error {
  override readonly name = 'AccountKeyError';
  constructor(
    readonly code: 'WRONG_PASSWORD' | 'MALFORMED_BACKUP',
    message: string,
  ) {
    super(message);
  }
}

/**
 * A device about to register or log in: its key pairs, the certificate by which the account's
 * identity key vouches for them, and the account secrets it will keep.
 */
export interface PendingDevice {
  keys: DeviceKeys;
  username: string;
  identitySeed: Uint8Array;
  archiveKey: Uint8Array;
  publicKeys: { boxPublicKey: string; signPublicKey: string; certificate: string };
}

export type OpenResult = { ok: true; message: OpenedMessage } | { ok: false; error: E2eFailure };

/**
 * The epoch keys of one conversation on this device. A key this device made for a new epoch is
 * `pending` until the server stores its envelope (then `confirmed`): another device may have
 * started the same epoch first, and only the first one's key is the epoch's (docs/crypto.md,
 * "Epochs"). A refused one is dropped.
 */
interface Keyring {
  /** Every key messages may be opened with. */
  keys: Map<number, Uint8Array>;
  /** Epochs whose key came through the server (an envelope it stored, or the key archive). */
  confirmed: Set<number>;
  /** Epochs this device started whose envelopes the server has neither stored nor refused. */
  pending: Set<number>;
  /** Epochs this device tried to start and the server refused (another device was first). */
  refused: Set<number>;
  /** Epochs this device started, which only it wraps for newcomers. */
  owned: Set<number>;
  /** When each epoch began, as the server tells it (ms since 1970). */
  startedAt: Map<number, number>;
}

/** Where a conversation's keys stand, for deciding whether to start a new epoch. */
export interface EpochStatus {
  /** The epoch new messages are sealed under. */
  epoch: number;
  startedAt: number | null;
  /** A newer epoch this device started waits for the server, or lost and waits for the winner's. */
  rotating: boolean;
}

const emptyKeyring = (): Keyring => ({
  keys: new Map(),
  confirmed: new Set(),
  pending: new Set(),
  refused: new Set(),
  owned: new Set(),
  startedAt: new Map(),
});

const newestOf = (epochs: Iterable<number>): number | null => {
  let newest: number | null = null;
  for (const epoch of epochs) if (newest === null || epoch > newest) newest = epoch;
  return newest;
};

/**
 * The epoch to seal under: the newest one the server confirmed; with none, the newest this device
 * started (a conversation it just made, which no other device can know yet).
 */
function sealingEpoch(keyring: Keyring): number | null {
  return newestOf(keyring.confirmed) ?? newestOf(keyring.pending);
}

/** WASM results may be views into a reused pool: keep copies of anything kept. */
const copy = (bytes: Uint8Array) => bytes.slice();

function asPublished(device: DeviceDoc): PublishedDevice | null {
  const boxPublicKey = decodeBase64(device.boxPublicKey);
  const signPublicKey = decodeBase64(device.signPublicKey);
  if (boxPublicKey === null || signPublicKey === null) return null;
  return {
    id: device.id,
    userId: device.userId,
    boxPublicKey,
    signPublicKey,
    certificate: device.certificate === null ? null : decodeBase64(device.certificate),
    revocation: device.revocation === null ? null : decodeBase64(device.revocation),
  };
}

/**
 * The only caller of the end-to-end module (@anochat/crypto-native/e2e). Everything else in the
 * app handles base64 envelopes and plaintext payloads.

 */
export function createClientCrypto(nacl: SyncNacl, database: AppDatabase, store: SecretStore) {
  let self: LocalDevice | null = null;
  let account: DeviceSecrets | null = null;
  /** Keyrings by conversation; dropped when its key envelopes, archive or refusals change. */
  const epochKeys = new Map<string, Keyring>();
  const views = new Map<string, Promise<{ opening: MembershipView; wrapping: MembershipView }>>();

  // Trust decisions and opened keys follow the local database: a new identity key, device,
  // certificate, revocation or membership changes who is trusted; new key rows add keys.
  merge(database.users.$, database.devices.$).subscribe(() => views.clear());
  database.members.$.subscribe((event) =>
    views.delete(String((event.documentData as { conversationId: string }).conversationId)),
  );
  merge(database.keyEnvelopes.$, database.keyArchive.$, database.failures.$).subscribe((event) =>
    epochKeys.delete(String((event.documentData as { conversationId: string }).conversationId)),
  );

  let lastMillis = 0;
  let sequence = 0;
  /**
   * A lower-case UUID version 7 for a new row: the client chooses ids (so a retried push stores
   * once), and time-ordered ids keep the order in which this device wrote rows that the server
   * stamps with the same time (one push transaction). Within one millisecond a counter keeps them
   * increasing.
   */
  function randomId(): string {
    const now = Date.now();
    sequence = now === lastMillis ? (sequence + 1) & 0xfff : 0;
    lastMillis = now;
    const bytes = copy(nacl.randomBytes(16));
    for (let i = 0; i < 6; i++) bytes[i] = Math.floor(now / 2 ** (8 * (5 - i))) & 0xff;
    bytes[6] = 0x70 | (sequence >> 8);
    bytes[7] = sequence & 0xff;
    bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
    return bytesToUuid(bytes);
  }

  function pendingDevice(
    username: string,
    identitySeed: Uint8Array,
    archiveKey: Uint8Array,
  ): PendingDevice {
    const identity = identityKeyPair(nacl, identitySeed);
    const { keys: fresh, certificate } = newCertifiedDevice(nacl, identity.secretKey, username);
    const keys: DeviceKeys = {
      box: { publicKey: copy(fresh.box.publicKey), secretKey: copy(fresh.box.secretKey) },
      sign: { publicKey: copy(fresh.sign.publicKey), secretKey: copy(fresh.sign.secretKey) },
    };
    return {
      keys,
      username,
      identitySeed,
      archiveKey,
      publicKeys: {
        boxPublicKey: encodeBase64(keys.box.publicKey),
        signPublicKey: encodeBase64(keys.sign.publicKey),
        certificate: encodeBase64(certificate),
      },
    };
  }

  function requireSelf(): LocalDevice {
    if (self === null) throw new Error('crypto: no device keys (not signed in)');
    return self;
  }

  /**
   * The devices of these users that the users' identity keys certify and do not revoke
   * (docs/crypto.md): the server can neither add a device nor revoke one. Identity keys are trusted
   * on first use; safety numbers are how people check them.
   */
  async function deviceDirectory(userIds: string[]): Promise<DeviceDirectory> {
    const users = await database.users.findByIds(userIds).exec();
    const devices = await database.devices.find({ selector: { userId: { $in: userIds } } }).exec();
    const published = new Map<string, PublishedDevice[]>();
    for (const doc of devices) {
      const device = asPublished(doc.toJSON() as DeviceDoc);
      if (device === null) continue;
      published.set(device.userId, [...(published.get(device.userId) ?? []), device]);
    }
    const entries: { user: UserIdentity; devices: PublishedDevice[] }[] = [];
    for (const user of users.values()) {
      const identityPublicKey =
        user.identityPublicKey === null ? null : decodeBase64(user.identityPublicKey);
      if (identityPublicKey === null) continue;
      entries.push({
        user: { userId: user.id, username: user.username, identityPublicKey },
        devices: published.get(user.id) ?? [],
      });
    }
    return buildDeviceDirectory(nacl, entries);
  }

  function membershipViews(conversationId: string) {
    let cached = views.get(conversationId);
    if (cached === undefined) {
      cached = (async () => {
        const rows = await database.members.find({ selector: { conversationId } }).exec();
        const conversation = await database.conversations.findOne(conversationId).exec();
        const everyone = rows.map((row) => row.userId);
        const current = rows.filter((row) => !row.removed).map((row) => row.userId);
        // The server makes the founding memberships; until they are pulled, the conversation row
        // names them (a direct conversation's two members never change).
        const founders = [conversation?.createdBy, conversation?.directPeerId ?? undefined];
        for (const userId of founders) {
          if (userId === undefined || everyone.includes(userId)) continue;
          everyone.push(userId);
          current.push(userId);
        }
        const openingDirectory = await deviceDirectory(everyone);
        // This device trusts itself even before the server lists it (a key it wrapped offline).
        if (self !== null) {
          (openingDirectory.trusted as Map<string, TrustedDevice>).set(
            self.deviceId,
            selfAsTrusted(self),
          );
        }
        return {
          opening: { directory: openingDirectory, members: new Set(everyone) },
          wrapping: { directory: await deviceDirectory(current), members: new Set(current) },
        };
      })();
      views.set(conversationId, cached);
      cached.catch(() => views.delete(conversationId));
    }
    return cached;
  }

  async function keyringOf(conversationId: string): Promise<Keyring> {
    const known = epochKeys.get(conversationId);
    if (known !== undefined) return known;
    const device = requireSelf();
    const { opening } = await membershipViews(conversationId);
    const envelopes = await database.keyEnvelopes
      .find({ selector: { conversationId, recipientDeviceId: device.deviceId } })
      .exec();
    const refusals = await database.failures
      .findByIds(envelopes.map((row) => `keyEnvelopes/${row.id}`))
      .exec();
    const keyring = emptyKeyring();
    const ownPending = new Map<number, Uint8Array>();
    let complete = true;
    for (const row of envelopes) {
      const bytes = decodeBase64(row.envelope);
      if (bytes === null) continue;
      const own = row.senderDeviceId === device.deviceId;
      if (own && refusals.has(`keyEnvelopes/${row.id}`)) {
        keyring.refused.add(row.epoch);
        continue;
      }
      const startedAt = row.epochStartedAt ? Date.parse(row.epochStartedAt) : undefined;
      const opened = openKeyEnvelope(nacl, bytes, device, opening, {
        conversationId,
        epoch: row.epoch,
        // A key wrapped by a device revoked since still opens if its epoch began before that.
        ...(startedAt === undefined ? {} : { storedAt: startedAt }),
      });
      // The sender may not be known yet (its device or identity key still to be pulled).
      if (!opened.ok) {
        complete = false;
        continue;
      }
      if (startedAt !== undefined) keyring.startedAt.set(row.epoch, startedAt);
      if (own && row.rev === undefined) {
        ownPending.set(row.epoch, opened.value.key);
        continue;
      }
      keyring.keys.set(row.epoch, opened.value.key);
      keyring.confirmed.add(row.epoch);
      if (own) keyring.owned.add(row.epoch);
    }
    if (account !== null) {
      const archived = await database.keyArchive
        .find({ selector: { conversationId, userId: device.userId } })
        .exec();
      for (const row of archived) {
        const sealed = decodeBase64(row.sealedKey);
        if (sealed === null || keyring.confirmed.has(row.epoch)) continue;
        const opened = openArchiveEntry(nacl, account.archiveKey, sealed, {
          conversationId,
          epoch: row.epoch,
        });
        if (opened.ok) {
          keyring.keys.set(opened.value.epoch, opened.value.key);
          keyring.confirmed.add(opened.value.epoch);
        }
      }
    }
    // A key of ours that the server has not stored yet gives way to the epoch's confirmed one.
    for (const [epoch, key] of ownPending) {
      if (keyring.confirmed.has(epoch)) continue;
      keyring.keys.set(epoch, key);
      keyring.pending.add(epoch);
    }
    for (const epoch of keyring.confirmed) keyring.refused.delete(epoch);
    // Only a full answer is kept: what did not open yet is tried again on the next call.
    if (complete && keyring.keys.size > 0) epochKeys.set(conversationId, keyring);
    return keyring;
  }

  async function keysOf(conversationId: string): Promise<Map<number, Uint8Array>> {
    return (await keyringOf(conversationId)).keys;
  }

  /** The key messages and titles are sealed under (`sealingEpoch`), or null without one. */
  async function sealingKeyOf(conversationId: string): Promise<ConversationKeyRef | null> {
    const keyring = await keyringOf(conversationId);
    const epoch = sealingEpoch(keyring);
    const key = epoch === null ? undefined : keyring.keys.get(epoch);
    return epoch === null || key === undefined ? null : { conversationId, epoch, key };
  }

  function envelopeRow(
    ref: ConversationKeyRef,
    recipient: TrustedDevice,
    members: ReadonlySet<string>,
  ): KeyEnvelopeDoc {
    const device = requireSelf();
    return {
      id: randomId(),
      conversationId: ref.conversationId,
      epoch: ref.epoch,
      recipientDeviceId: recipient.id,
      senderDeviceId: device.deviceId,
      envelope: encodeBase64(wrapConversationKey(nacl, ref, device, recipient, members)),
    };
  }

  function selfAsTrusted(device: LocalDevice): TrustedDevice {
    return {
      id: device.deviceId,
      userId: device.userId,
      boxPublicKey: device.box.publicKey,
      signPublicKey: device.sign.publicKey,
      certifiedAt: 0,
    };
  }

  return {
    nacl,

    randomId,

    get device(): LocalDevice | null {
      return self;
    },

    /**
     * A new account: password -> auth secret (the server's) and backup key (this device's); fresh
     * identity seed and archive key sealed under the backup key; this device certified.
     */
    async newAccount(username: string, password: string) {
      const secrets = await deriveAccountSecrets(nacl, username, password);
      const contents = newAccountKeys(nacl);
      const accountKeys = {
        identitySeed: copy(contents.identitySeed),
        archiveKey: copy(contents.archiveKey),
      };
      const identity = identityKeyPair(nacl, accountKeys.identitySeed);
      return {
        authSecret: encodeBase64(secrets.authSecret),
        identityPublicKey: encodeBase64(identity.publicKey),
        keyBackup: encodeBase64(sealKeyBackup(nacl, secrets.backupKey, accountKeys)),
        device: pendingDevice(username, accountKeys.identitySeed, accountKeys.archiveKey),
      };
    },

    /**
     * Logging in on a new device: the server hands the key backup to whoever knows the auth
     * secret; only the password's backup key opens it, restoring the identity key that then
     * certifies this device.
     */
    async restoreAccount(
      username: string,
      password: string,
      fetchBackup: (
        authSecret: string,
      ) => Promise<{ identityPublicKey: string; keyBackup: string }>,
    ) {
      const secrets = await deriveAccountSecrets(nacl, username, password);
      const authSecret = encodeBase64(secrets.authSecret);
      const stored = await fetchBackup(authSecret);
      const backup = decodeBase64(stored.keyBackup);
      if (backup === null)
        throw new AccountKeyError('MALFORMED_BACKUP', 'the key backup is not base64');
      const opened = openKeyBackup(nacl, secrets.backupKey, backup);
      if (!opened.ok) {
        throw new AccountKeyError(
          opened.error.code === 'WRONG_PASSWORD' ? 'WRONG_PASSWORD' : 'MALFORMED_BACKUP',
          opened.error.message,
        );
      }
      const identity = identityKeyPair(nacl, opened.value.identitySeed);
      if (encodeBase64(identity.publicKey) !== stored.identityPublicKey) {
        throw new AccountKeyError('MALFORMED_BACKUP', 'the backup holds another identity key');
      }
      return {
        authSecret,
        device: pendingDevice(
          username,
          copy(opened.value.identitySeed),
          copy(opened.value.archiveKey),
        ),
      };
    },

    /**
     * A password change: both passwords derive their secrets (the server checks the current one),
     * and the identity seed and archive key this device holds are sealed again under the new
     * password's backup key. Nothing else changes: no key, device or message depends on the password.
     */
    async passwordChange(currentPassword: string, newPassword: string) {
      if (account === null) throw new Error('crypto: no account keys (not signed in)');
      const current = await deriveAccountSecrets(nacl, account.username, currentPassword);
      const next = await deriveAccountSecrets(nacl, account.username, newPassword);
      return {
        authSecret: encodeBase64(current.authSecret),
        newAuthSecret: encodeBase64(next.authSecret),
        keyBackup: encodeBase64(
          sealKeyBackup(nacl, next.backupKey, {
            identitySeed: account.identitySeed,
            archiveKey: account.archiveKey,
          }),
        ),
      };
    },

    async adoptDevice(pending: PendingDevice, ids: { userId: string; deviceId: string }) {
      const secrets: DeviceSecrets = {
        device: { ...pending.keys, ...ids },
        username: pending.username,
        identitySeed: pending.identitySeed,
        archiveKey: pending.archiveKey,
      };
      await saveDeviceSecrets(store, secrets);
      account = secrets;
      self = secrets.device;
    },

    async restoreDevice(): Promise<LocalDevice | null> {
      account = await loadDeviceSecrets(store, database);
      self = account?.device ?? null;
      return self;
    },

    /** Signing out: this device's keys are forgotten. */
    async forgetDevice(): Promise<void> {
      account = null;
      self = null;
      await forgetDeviceSecrets(store);
    },

    /**
     * The safety number of this account and another user, or null while the server does not
     * publish that user's identity key.
     */
    safetyNumberWith(user: { username: string; identityPublicKey?: unknown }) {
      if (account === null || typeof user.identityPublicKey !== 'string') return null;
      const theirs = decodeBase64(user.identityPublicKey);
      if (theirs === null || theirs.length !== 32) return null;
      const mine = identityKeyPair(nacl, account.identitySeed).publicKey;
      return safetyNumber(
        nacl,
        { username: account.username, identityPublicKey: mine },
        { username: user.username, identityPublicKey: theirs },
      );
    },

    /** The revocation of this device, for logging out (`revokedAt`: server time, ms). */
    ownRevocation(revokedAt: number): string {
      return this.revocationFor(encodeBase64(requireSelf().sign.publicKey), revokedAt);
    },

    /**
     * The identity key's signed statement that the device with this signing key is revoked from
     * `revokedAt` (server time, ms: what it sent before then still opens for everyone).
     */
    revocationFor(signPublicKey: string, revokedAt: number): string {
      if (account === null) throw new Error('crypto: no account keys (not signed in)');
      const key = decodeBase64(signPublicKey);
      if (key === null) throw new Error('crypto: signPublicKey is not base64');
      const identity = identityKeyPair(nacl, account.identitySeed);
      return encodeBase64(
        createDeviceRevocation(nacl, identity.secretKey, {
          username: account.username,
          signPublicKey: key,
          revokedAt,
        }),
      );
    },

    /** Forget cached keys and trust decisions for these conversations (or all). */
    invalidate(conversationIds?: Iterable<string>): void {
      if (conversationIds === undefined) {
        epochKeys.clear();
        views.clear();
        return;
      }
      for (const id of conversationIds) {
        epochKeys.delete(id);
        views.delete(id);
      }
    },

    async hasKey(conversationId: string): Promise<boolean> {
      return sealingEpoch(await keyringOf(conversationId)) !== null;
    },

    /** The epoch new messages of this conversation are sealed under, or null without a key. */
    async epochStatus(conversationId: string): Promise<EpochStatus | null> {
      const keyring = await keyringOf(conversationId);
      const epoch = sealingEpoch(keyring);
      if (epoch === null) return null;
      const attempted = newestOf([...keyring.pending, ...keyring.refused]);
      return {
        epoch,
        startedAt: keyring.startedAt.get(epoch) ?? null,
        rotating: attempted !== null && attempted > epoch,
      };
    },

    /**
     * The current members of the conversation (as this device knows them) and the ids of their
     * certified, non-revoked devices: whom a new epoch is wrapped for.
     */
    async currentMembers(
      conversationId: string,
    ): Promise<{ userIds: string[]; deviceIds: string[] }> {
      const { wrapping } = await membershipViews(conversationId);
      return {
        userIds: [...wrapping.members],
        deviceIds: [...wrapping.directory.trusted.values()]
          .filter((device) => wrapping.members.has(device.userId))
          .map((device) => device.id),
      };
    },

    /**
     * A new epoch key for the conversation (the one after every epoch this device has or tried),
     * wrapped for this device and every certified, non-revoked device of `memberIds` known here.
     * Returns the key envelope rows to store (and so push). The key seals messages once the server
     * stores its envelopes, or at once in a conversation that has no key yet.
     */
    async startEpoch(conversationId: string, memberIds: string[]): Promise<KeyEnvelopeDoc[]> {
      const device = requireSelf();
      const keyring = await keyringOf(conversationId);
      const newest = newestOf([...keyring.keys.keys(), ...keyring.refused]);
      const ref = {
        conversationId,
        epoch: newest === null ? 0 : newest + 1,
        key: copy(newConversationKey(nacl)),
      };
      keyring.keys.set(ref.epoch, ref.key);
      keyring.pending.add(ref.epoch);
      // Known here before its envelope is stored (a new group's title is sealed first).
      epochKeys.set(conversationId, keyring);
      const members = new Set([...memberIds, device.userId]);
      const directory = await deviceDirectory([...members]);
      const recipients = new Map(directory.trusted);
      recipients.set(device.deviceId, selfAsTrusted(device));
      views.delete(conversationId);
      return [...recipients.values()].map((recipient) => envelopeRow(ref, recipient, members));
    },

    /**
     * Key envelopes still missing for active devices of current members, for every epoch this
     * device started (a member added later reads the whole conversation, as the server grants;
     * the server takes an epoch's envelopes from the device that started it only).
     */
    async missingKeyEnvelopes(conversationId: string): Promise<KeyEnvelopeDoc[]> {
      const device = requireSelf();
      const keyring = await keyringOf(conversationId);
      if (keyring.owned.size === 0) return [];
      const { wrapping } = await membershipViews(conversationId);
      if (!wrapping.members.has(device.userId)) return [];
      const stored = await database.keyEnvelopes.find({ selector: { conversationId } }).exec();
      const have = new Set(stored.map((row) => `${row.epoch}|${row.recipientDeviceId}`));
      const rows: KeyEnvelopeDoc[] = [];
      for (const recipient of wrapping.directory.trusted.values()) {
        if (!wrapping.members.has(recipient.userId)) continue;
        for (const epoch of keyring.owned) {
          const key = keyring.keys.get(epoch);
          if (key === undefined || have.has(`${epoch}|${recipient.id}`)) continue;
          rows.push(envelopeRow({ conversationId, epoch, key }, recipient, wrapping.members));
        }
      }
      return rows;
    },

    /**
     * Archive entries for epoch keys the server confirmed but this user's archive lacks, so the
     * user's next device reads this conversation without any other device online.
     */
    async missingArchiveEntries(conversationId: string): Promise<KeyArchiveDoc[]> {
      const device = requireSelf();
      if (account === null) return [];
      const keyring = await keyringOf(conversationId);
      const archived = await database.keyArchive
        .find({ selector: { conversationId, userId: device.userId } })
        .exec();
      const have = new Set(archived.map((row) => row.epoch));
      const archiveKey = account.archiveKey;
      return [...keyring.keys]
        .filter(([epoch]) => keyring.confirmed.has(epoch) && !have.has(epoch))
        .map(([epoch, key]) => ({
          id: randomId(),
          userId: device.userId,
          conversationId,
          epoch,
          sealedKey: encodeBase64(
            sealArchiveEntry(nacl, archiveKey, { conversationId, epoch, key }),
          ),
        }));
    },

    /** The base64 envelope of a message under the sealing epoch's key, or null without a key. */
    async seal(
      conversationId: string,
      id: string,
      payload: MessagePayload,
    ): Promise<string | null> {
      const conversationKey = await sealingKeyOf(conversationId);
      if (conversationKey === null) return null;
      return encodeBase64(sealMessage(nacl, { id, conversationKey, payload }, requireSelf()));
    },

    /**
     * Opens a stored message: every check of the e2e module, then the payload. The server's
     * `createdAt` lets a message sent before its device was revoked still open.
     */
    async open(
      message: Pick<MessageDoc, 'id' | 'conversationId' | 'senderDeviceId' | 'envelope'> &
        Partial<Pick<MessageDoc, 'createdAt'>>,
    ): Promise<OpenResult> {
      const bytes = decodeBase64(message.envelope);
      if (bytes === null) return { ok: false, error: { code: 'MALFORMED', message: 'base64' } };
      const keys = await keysOf(message.conversationId);
      const { opening } = await membershipViews(message.conversationId);
      const storedAt = message.createdAt === undefined ? undefined : Date.parse(message.createdAt);
      const opened = openMessage(nacl, bytes, message, keys, opening, storedAt);
      return opened.ok ? { ok: true, message: opened.value } : { ok: false, error: opened.error };
    },

    /** A group title (`sealTitle`) under the newest epoch key, or null without a key. */
    async sealTitle(conversationId: string, title: string): Promise<string | null> {
      const conversationKey = await sealingKeyOf(conversationId);
      if (conversationKey === null) return null;
      return encodeBase64(sealTitle(nacl, conversationKey, title, requireSelf()));
    },

    /**
     * A group title, after every check of the e2e module. The server's `titleChangedAt` lets a
     * title set by a device revoked since (a member who logged out) still open.
     */
    async openTitle(
      conversation: Pick<ConversationDoc, 'id' | 'titleChangedAt'> & { titleCiphertext: string },
    ): Promise<string | null> {
      const bytes = decodeBase64(conversation.titleCiphertext);
      if (bytes === null) return null;
      const keys = await keysOf(conversation.id);
      const { opening } = await membershipViews(conversation.id);
      const storedAt =
        typeof conversation.titleChangedAt === 'string'
          ? Date.parse(conversation.titleChangedAt)
          : undefined;
      const opened = openTitle(nacl, bytes, conversation.id, keys, opening, storedAt);
      return opened.ok ? opened.value : null;
    },
  };
}

export type ClientCrypto = ReturnType<typeof createClientCrypto>;
