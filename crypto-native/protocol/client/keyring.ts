import type { SyncNacl } from '@anochat/crypto-native';
import { openArchiveEntry } from '../backup.ts';
import { decodeBase64 } from '../base64.ts';
import {
  type ConversationKeyRef,
  type MembershipView,
  openKeyEnvelope,
} from '../conversation-keys.ts';
import type { LocalDevice } from '../identity.ts';
import type { KeyArchiveRow, KeyEnvelopeRow } from './rows.ts';

/**
 * The epoch keys of one conversation on this device. A key this device made for a new epoch is
 * `pending` until the server stores its envelope (then `confirmed`): another device may have
 * started the same epoch first, and only the first one's key is the epoch's (docs/crypto.md,
 * "Epochs"). A refused one is dropped.
 */
export interface Keyring {
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

export const emptyKeyring = (): Keyring => ({
  keys: new Map(),
  confirmed: new Set(),
  pending: new Set(),
  refused: new Set(),
  owned: new Set(),
  startedAt: new Map(),
});

/** Adds a key that came through the server (an envelope it stored, or the archive). */
export function confirmKey(keyring: Keyring, epoch: number, key: Uint8Array): void {
  keyring.keys.set(epoch, key);
  keyring.confirmed.add(epoch);
}

export const newestOf = (epochs: Iterable<number>): number | null => {
  let newest: number | null = null;
  for (const epoch of epochs) if (newest === null || epoch > newest) newest = epoch;
  return newest;
};

/**
 * The epoch to seal under: the newest one the server confirmed; with none, the newest this device
 * started (a conversation it just made, which no other device can know yet).
 */
export function sealingEpoch(keyring: Keyring): number | null {
  return newestOf(keyring.confirmed) ?? newestOf(keyring.pending);
}

/** The key messages and titles are sealed under (`sealingEpoch`), or null without one. */
export function sealingKey(conversationId: string, keyring: Keyring): ConversationKeyRef | null {
  const epoch = sealingEpoch(keyring);
  const key = epoch === null ? undefined : keyring.keys.get(epoch);
  return epoch === null || key === undefined ? null : { conversationId, epoch, key };
}

/** What a keyring is made of: the rows this device holds for one conversation. */
export interface KeyringSources {
  conversationId: string;
  device: LocalDevice;
  /** Who may have wrapped a key: every device of everyone who ever was a member. */
  opening: MembershipView;
  /** Key envelopes addressed to this device. */
  envelopes: readonly KeyEnvelopeRow[];
  /** Ids of this device's envelopes that the server refused (another device was first). */
  refusedEnvelopeIds: ReadonlySet<string>;
  /** The user's archive entries for the conversation, with the archive key that opens them. */
  archive?: { archiveKey: Uint8Array; rows: readonly KeyArchiveRow[] };
}

/**
 * The keyring of one conversation from its rows. `complete` is false when an envelope did not open
 * yet (its sender's device or identity key still to be pulled): a caller keeps only a complete
 * keyring and asks again later.
 */
export function openKeyring(
  nacl: SyncNacl,
  sources: KeyringSources,
): { keyring: Keyring; complete: boolean } {
  const { conversationId, device, opening } = sources;
  const keyring = emptyKeyring();
  const ownPending = new Map<number, Uint8Array>();
  let complete = true;
  for (const row of sources.envelopes) {
    const bytes = decodeBase64(row.envelope);
    if (bytes === null) continue;
    const own = row.senderDeviceId === device.deviceId;
    if (own && sources.refusedEnvelopeIds.has(row.id)) {
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
    if (!opened.ok) {
      complete = false;
      continue;
    }
    if (startedAt !== undefined) keyring.startedAt.set(row.epoch, startedAt);
    if (own && row.rev === undefined) {
      ownPending.set(row.epoch, opened.value.key);
      continue;
    }
    confirmKey(keyring, row.epoch, opened.value.key);
    if (own) keyring.owned.add(row.epoch);
  }
  if (sources.archive !== undefined) {
    const { archiveKey, rows } = sources.archive;
    for (const row of rows) {
      const sealed = decodeBase64(row.sealedKey);
      if (sealed === null || keyring.confirmed.has(row.epoch)) continue;
      const opened = openArchiveEntry(nacl, archiveKey, sealed, {
        conversationId,
        epoch: row.epoch,
      });
      if (opened.ok) confirmKey(keyring, opened.value.epoch, opened.value.key);
    }
  }
  // A key of ours that the server has not stored yet gives way to the epoch's confirmed one.
  for (const [epoch, key] of ownPending) {
    if (keyring.confirmed.has(epoch)) continue;
    keyring.keys.set(epoch, key);
    keyring.pending.add(epoch);
  }
  for (const epoch of keyring.confirmed) keyring.refused.delete(epoch);
  return { keyring, complete };
}
