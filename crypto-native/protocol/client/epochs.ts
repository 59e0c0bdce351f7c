import type { SyncNacl } from '@anochat/crypto-native';
import { sealArchiveEntry } from '../backup.ts';
import { encodeBase64 } from '../base64.ts';
import {
  type ConversationKeyRef,
  type MembershipView,
  newConversationKey,
  wrapConversationKey,
} from '../conversation-keys.ts';
import type { LocalDevice, TrustedDevice } from '../identity.ts';
import { type Keyring, newestOf, sealingEpoch } from './keyring.ts';
import type { KeyArchiveRow, KeyEnvelopeRow, NewKeyEnvelopeRow } from './rows.ts';

/** Where a conversation's keys stand, for deciding whether to start a new epoch. */
export interface EpochStatus {
  /** The epoch new messages are sealed under. */
  epoch: number;
  startedAt: number | null;
  /** A newer epoch this device started waits for the server, or lost and waits for the winner's. */
  rotating: boolean;
}

/** The epoch new messages of this conversation are sealed under, or null without a key. */
export function epochStatus(keyring: Keyring): EpochStatus | null {
  const epoch = sealingEpoch(keyring);
  if (epoch === null) return null;
  const attempted = newestOf([...keyring.pending, ...keyring.refused]);
  return {
    epoch,
    startedAt: keyring.startedAt.get(epoch) ?? null,
    rotating: attempted !== null && attempted > epoch,
  };
}

/**
 * A new epoch key (the one after every epoch this device has or tried), added to the keyring as
 * pending: it seals messages once the server stores its envelopes, or at once in a conversation
 * that has no key yet.
 */
export function startEpoch(
  nacl: SyncNacl,
  conversationId: string,
  keyring: Keyring,
): ConversationKeyRef {
  const newest = newestOf([...keyring.keys.keys(), ...keyring.refused]);
  const ref = {
    conversationId,
    epoch: newest === null ? 0 : newest + 1,
    // WASM results may be views into a reused pool: keep a copy.
    key: newConversationKey(nacl).slice(),
  };
  keyring.keys.set(ref.epoch, ref.key);
  keyring.pending.add(ref.epoch);
  return ref;
}

/** The key envelope row (to push) that gives `recipient` this epoch key, signed by `sender`. */
export function keyEnvelopeRow(
  nacl: SyncNacl,
  id: string,
  ref: ConversationKeyRef,
  sender: LocalDevice,
  recipient: TrustedDevice,
  members: ReadonlySet<string>,
): NewKeyEnvelopeRow {
  return {
    id,
    conversationId: ref.conversationId,
    epoch: ref.epoch,
    recipientDeviceId: recipient.id,
    senderDeviceId: sender.deviceId,
    envelope: encodeBase64(wrapConversationKey(nacl, ref, sender, recipient, members)),
  };
}

/**
 * Key envelopes still missing for active devices of current members (`wrapping`), for every epoch
 * this device started (a member added later reads the whole conversation, as the server grants;
 * the server takes an epoch's envelopes from the device that started it only). `stored`: the
 * conversation's envelopes already held.
 */
export function missingKeyEnvelopes(
  nacl: SyncNacl,
  newId: () => string,
  conversationId: string,
  keyring: Keyring,
  device: LocalDevice,
  wrapping: MembershipView,
  stored: readonly Pick<KeyEnvelopeRow, 'epoch' | 'recipientDeviceId'>[],
): NewKeyEnvelopeRow[] {
  if (keyring.owned.size === 0 || !wrapping.members.has(device.userId)) return [];
  const have = new Set(stored.map((row) => `${row.epoch}|${row.recipientDeviceId}`));
  const rows: NewKeyEnvelopeRow[] = [];
  for (const recipient of wrapping.directory.trusted.values()) {
    if (!wrapping.members.has(recipient.userId)) continue;
    for (const epoch of keyring.owned) {
      const key = keyring.keys.get(epoch);
      if (key === undefined || have.has(`${epoch}|${recipient.id}`)) continue;
      rows.push(
        keyEnvelopeRow(
          nacl,
          newId(),
          { conversationId, epoch, key },
          device,
          recipient,
          wrapping.members,
        ),
      );
    }
  }
  return rows;
}

/** The archive entry row (to push) of one epoch key, sealed under the user's archive key. */
export function archiveEntryRow(
  nacl: SyncNacl,
  id: string,
  userId: string,
  archiveKey: Uint8Array,
  ref: ConversationKeyRef,
): KeyArchiveRow {
  return {
    id,
    userId,
    conversationId: ref.conversationId,
    epoch: ref.epoch,
    sealedKey: encodeBase64(sealArchiveEntry(nacl, archiveKey, ref)),
  };
}

/**
 * Archive entries for epoch keys the server confirmed but the user's archive lacks (`archived`:
 * the epochs it holds), so the user's next device reads the conversation without any other device
 * online.
 */
export function missingArchiveEntries(
  nacl: SyncNacl,
  newId: () => string,
  conversationId: string,
  keyring: Keyring,
  userId: string,
  archiveKey: Uint8Array,
  archived: readonly Pick<KeyArchiveRow, 'epoch'>[],
): KeyArchiveRow[] {
  const have = new Set(archived.map((row) => row.epoch));
  return [...keyring.keys]
    .filter(([epoch]) => keyring.confirmed.has(epoch) && !have.has(epoch))
    .map(([epoch, key]) =>
      archiveEntryRow(nacl, newId(), userId, archiveKey, { conversationId, epoch, key }),
    );
}
