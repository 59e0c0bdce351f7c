import type { SyncNacl } from '@anochat/crypto-native';
import { decodeBase64, encodeBase64 } from '../base64.ts';
import type { ConversationKeyRef, MembershipView } from '../conversation-keys.ts';
import type { LocalDevice } from '../identity.ts';
import { type EpochKeys, openTitle, sealTitle } from '../messages.ts';

/** A group title (base64) sealed under this epoch key and signed by this device. */
export function sealTitleText(
  nacl: SyncNacl,
  device: LocalDevice,
  conversationKey: ConversationKeyRef,
  title: string,
): string {
  return encodeBase64(sealTitle(nacl, conversationKey, title, device));
}

/**
 * A group title after every check of the protocol, or null. The server's `titleChangedAt` lets a
 * title set by a device revoked since (a member who logged out) still open.
 */
export function openTitleText(
  nacl: SyncNacl,
  conversation: { id: string; titleCiphertext: string; titleChangedAt?: unknown },
  keys: EpochKeys,
  opening: MembershipView,
): string | null {
  const bytes = decodeBase64(conversation.titleCiphertext);
  if (bytes === null) return null;
  const storedAt =
    typeof conversation.titleChangedAt === 'string'
      ? Date.parse(conversation.titleChangedAt)
      : undefined;
  const opened = openTitle(nacl, bytes, conversation.id, keys, opening, storedAt);
  return opened.ok ? opened.value : null;
}
