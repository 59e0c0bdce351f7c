import type { SyncNacl } from '@anochat/crypto-native';
import {
  type ConversationKeyRef,
  decodeBase64,
  encodeBase64,
  type LocalDevice,
  type MembershipView,
} from '@anochat/protocol';
import {
  adoptedDevice,
  createRowIds,
  deviceDirectoryOf,
  type EpochStatus,
  epochStatus,
  type Keyring,
  keyEnvelopeRow,
  missingArchiveEntries,
  missingKeyEnvelopes,
  newAccount,
  type OpenResult,
  openKeyring,
  openMessageRow,
  openTitleText,
  type PendingDevice,
  passwordChange,
  passwordSecrets,
  recoverAccount,
  recoverySecrets,
  recoverySetup,
  restoreFromBackup,
  revocationFor,
  safetyNumberWith,
  sealingEpoch,
  sealingKey,
  sealMessageEnvelope,
  sealTitleText,
  selfAsTrusted,
  startEpoch,
  trustingSelf,
} from '@anochat/protocol/client';
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
    readonly code:
      | 'WRONG_PASSWORD'
      | 'MALFORMED_BACKUP'
      | 'INVALID_RECOVERY_KEY'
      | 'WRONG_RECOVERY_KEY',
    message: string,
  ) {
    super(message);
  }
}

export type { OpenResult, PendingDevice };

/**
 * The app's end of the client core (@anochat/protocol/client): it reads the rows the core
 * computes from out of the local database, keeps the device's secrets in the platform's secret
 * store, and caches keyrings and trust decisions until the rows they came from change. Everything
 * else in the app handles base64 envelopes and plaintext payloads.
 */
export function createClientCrypto(nacl: SyncNacl, database: AppDatabase, store: SecretStore) {
  let self: LocalDevice | null = null;
  let account: DeviceSecrets | null = null;
  /** Keyrings by conversation; dropped when its key envelopes, archive or refusals change. */
  const epochKeys = new Map<string, Keyring>();
  const views = new Map<string, Promise<{ opening: MembershipView; wrapping: MembershipView }>>();
  const randomId = createRowIds(nacl);

  // Trust decisions and opened keys follow the local database: a new identity key, device,
  // certificate, revocation or membership changes who is trusted; new key rows add keys.
  merge(database.users.$, database.devices.$).subscribe(() => views.clear());
  database.members.$.subscribe((event) =>
    views.delete(String((event.documentData as { conversationId: string }).conversationId)),
  );
  merge(database.keyEnvelopes.$, database.keyArchive.$, database.failures.$).subscribe((event) =>
    epochKeys.delete(String((event.documentData as { conversationId: string }).conversationId)),
  );

  function requireSelf(): LocalDevice {
    if (self === null) throw new Error('crypto: no device keys (not signed in)');
    return self;
  }

  function requireAccount(): DeviceSecrets {
    if (account === null) throw new Error('crypto: no account keys (not signed in)');
    return account;
  }

  /** The trusted devices of these users, from the users and devices the database holds. */
  async function deviceDirectory(userIds: string[]) {
    const users = await database.users.findByIds(userIds).exec();
    const devices = await database.devices.find({ selector: { userId: { $in: userIds } } }).exec();
    return deviceDirectoryOf(
      nacl,
      users.values(),
      devices.map((doc) => doc.toJSON() as DeviceDoc),
    );
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
        return {
          opening: trustingSelf(
            { directory: await deviceDirectory(everyone), members: new Set(everyone) },
            self,
          ),
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
    const archive =
      account === null
        ? undefined
        : {
            archiveKey: account.archiveKey,
            rows: await database.keyArchive
              .find({ selector: { conversationId, userId: device.userId } })
              .exec(),
          };
    const { keyring, complete } = openKeyring(nacl, {
      conversationId,
      device,
      opening,
      envelopes,
      refusedEnvelopeIds: new Set(
        envelopes.filter((row) => refusals.has(`keyEnvelopes/${row.id}`)).map((row) => row.id),
      ),
      ...(archive === undefined ? {} : { archive }),
    });
    // Only a full answer is kept: what did not open yet is tried again on the next call.
    if (complete && keyring.keys.size > 0) epochKeys.set(conversationId, keyring);
    return keyring;
  }

  async function sealingKeyOf(conversationId: string): Promise<ConversationKeyRef | null> {
    return sealingKey(conversationId, await keyringOf(conversationId));
  }

  return {
    nacl,

    randomId,

    get device(): LocalDevice | null {
      return self;
    },

    /** A new account: its secrets from the password, fresh account keys, this device certified. */
    newAccount(username: string, password: string) {
      return newAccount(nacl, username, password);
    },

    /**
     * Logging in on a new device: the server hands the key backup to whoever knows the auth
     * secret; only the password's backup key opens it.
     */
    async restoreAccount(
      username: string,
      password: string,
      fetchBackup: (
        authSecret: string,
      ) => Promise<{ identityPublicKey: string; keyBackup: string }>,
    ) {
      const secrets = await passwordSecrets(nacl, username, password);
      const stored = await fetchBackup(secrets.authSecret);
      const restored = restoreFromBackup(nacl, username, secrets.backupKey, stored);
      if (!restored.ok) {
        throw new AccountKeyError(
          restored.error.code === 'WRONG_PASSWORD' ? 'WRONG_PASSWORD' : 'MALFORMED_BACKUP',
          restored.error.message,
        );
      }
      return { authSecret: secrets.authSecret, device: restored.value };
    },

    /**
     * A new recovery key for the account this device holds (or, at registration, for the pending
     * one): its printed form, shown once, and what the server keeps.
     */
    recoverySetup(accountKeys?: { identitySeed: Uint8Array; archiveKey: Uint8Array }) {
      return recoverySetup(nacl, accountKeys ?? requireAccount());
    },

    /**
     * A forgotten password: the recovery key is checked (its checksum) before anything is sent;
     * the server hands the recovery copy of the backup to whoever knows the key's auth secret, and
     * only the key's backup key opens it. The account secrets are then sealed under the new password.
     */
    async recoverAccount(
      username: string,
      recoveryKey: string,
      newPassword: string,
      fetchBackup: (
        recoveryAuthSecret: string,
      ) => Promise<{ identityPublicKey: string; keyBackup: string }>,
    ) {
      const secrets = recoverySecrets(nacl, recoveryKey);
      if (!secrets.ok) throw new AccountKeyError('INVALID_RECOVERY_KEY', secrets.error.message);
      const stored = await fetchBackup(secrets.value.authSecret);
      const recovered = await recoverAccount(
        nacl,
        username,
        secrets.value.backupKey,
        stored,
        newPassword,
      );
      if (!recovered.ok) {
        throw new AccountKeyError(
          recovered.error.code === 'WRONG_RECOVERY_KEY' ? 'WRONG_RECOVERY_KEY' : 'MALFORMED_BACKUP',
          recovered.error.message,
        );
      }
      return { recoveryAuthSecret: secrets.value.authSecret, ...recovered.value };
    },

    /** The auth secret this account's password derives (for the server to check it). */
    async authSecretOf(password: string): Promise<string> {
      const account = requireAccount();
      return (await passwordSecrets(nacl, account.username, password)).authSecret;
    },

    /** A password change: the account keys sealed again under the new password's backup key. */
    async passwordChange(currentPassword: string, newPassword: string) {
      return passwordChange(nacl, requireAccount(), currentPassword, newPassword);
    },

    async adoptDevice(pending: PendingDevice, ids: { userId: string; deviceId: string }) {
      const secrets: DeviceSecrets = adoptedDevice(pending, ids);
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
      return account === null ? null : safetyNumberWith(nacl, account, user);
    },

    /** The revocation of this device, for logging out (`revokedAt`: server time, ms). */
    ownRevocation(revokedAt: number): string {
      const signPublicKey = requireSelf().sign.publicKey;
      return revocationFor(nacl, requireAccount(), encodeBase64(signPublicKey), revokedAt);
    },

    /**
     * The identity key's signed statement that the device with this signing key is revoked from
     * `revokedAt` (server time, ms: what it sent before then still opens for everyone).
     */
    revocationFor(signPublicKey: string, revokedAt: number): string {
      return revocationFor(nacl, requireAccount(), signPublicKey, revokedAt);
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
      return epochStatus(await keyringOf(conversationId));
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
     * A new epoch key for the conversation, wrapped for this device and every certified,
     * non-revoked device of `memberIds` known here. Returns the key envelope rows to store (and so
     * push).
     */
    async startEpoch(conversationId: string, memberIds: string[]): Promise<KeyEnvelopeDoc[]> {
      const device = requireSelf();
      const keyring = await keyringOf(conversationId);
      const ref = startEpoch(nacl, conversationId, keyring);
      // Known here before its envelope is stored (a new group's title is sealed first).
      epochKeys.set(conversationId, keyring);
      const members = new Set([...memberIds, device.userId]);
      const directory = await deviceDirectory([...members]);
      const recipients = new Map(directory.trusted);
      recipients.set(device.deviceId, selfAsTrusted(device));
      views.delete(conversationId);
      return [...recipients.values()].map((recipient) =>
        keyEnvelopeRow(nacl, randomId(), ref, device, recipient, members),
      );
    },

    /** Key envelopes still missing for active devices of current members (see the core's). */
    async missingKeyEnvelopes(conversationId: string): Promise<KeyEnvelopeDoc[]> {
      const device = requireSelf();
      const keyring = await keyringOf(conversationId);
      if (keyring.owned.size === 0) return [];
      const { wrapping } = await membershipViews(conversationId);
      if (!wrapping.members.has(device.userId)) return [];
      const stored = await database.keyEnvelopes.find({ selector: { conversationId } }).exec();
      return missingKeyEnvelopes(nacl, randomId, conversationId, keyring, device, wrapping, stored);
    },

    /** Archive entries for confirmed epoch keys this user's archive lacks (see the core's). */
    async missingArchiveEntries(conversationId: string): Promise<KeyArchiveDoc[]> {
      const device = requireSelf();
      if (account === null) return [];
      const archiveKey = account.archiveKey;
      const keyring = await keyringOf(conversationId);
      const archived = await database.keyArchive
        .find({ selector: { conversationId, userId: device.userId } })
        .exec();
      return missingArchiveEntries(
        nacl,
        randomId,
        conversationId,
        keyring,
        device.userId,
        archiveKey,
        archived,
      );
    },

    /** The base64 envelope of a message under the sealing epoch's key, or null without a key. */
    async seal(
      conversationId: string,
      id: string,
      payload: MessagePayload,
    ): Promise<string | null> {
      const conversationKey = await sealingKeyOf(conversationId);
      if (conversationKey === null) return null;
      return sealMessageEnvelope(nacl, requireSelf(), conversationKey, id, payload);
    },

    /** Opens a stored message: every check of the protocol, then the payload. */
    async open(
      message: Pick<MessageDoc, 'id' | 'conversationId' | 'senderDeviceId' | 'envelope'> &
        Partial<Pick<MessageDoc, 'createdAt'>>,
    ): Promise<OpenResult> {
      // Not base64: refused before any key is looked up.
      if (decodeBase64(message.envelope) === null) {
        return { ok: false, error: { code: 'MALFORMED', message: 'base64' } };
      }
      const keys = (await keyringOf(message.conversationId)).keys;
      const { opening } = await membershipViews(message.conversationId);
      return openMessageRow(nacl, message, keys, opening);
    },

    /** A group title under the newest epoch key, or null without a key. */
    async sealTitle(conversationId: string, title: string): Promise<string | null> {
      const conversationKey = await sealingKeyOf(conversationId);
      if (conversationKey === null) return null;
      return sealTitleText(nacl, requireSelf(), conversationKey, title);
    },

    /** A group title after every check of the protocol, or null. */
    async openTitle(
      conversation: Pick<ConversationDoc, 'id' | 'titleChangedAt'> & { titleCiphertext: string },
    ): Promise<string | null> {
      if (decodeBase64(conversation.titleCiphertext) === null) return null;
      const keys = (await keyringOf(conversation.id)).keys;
      const { opening } = await membershipViews(conversation.id);
      return openTitleText(nacl, conversation, keys, opening);
    },
  };
}

export type ClientCrypto = ReturnType<typeof createClientCrypto>;
