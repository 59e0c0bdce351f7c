import type { SyncNacl } from '@anochat/crypto-native';
import type { MessagePayload } from '@anochat/schemas/e2e/payload';
import { decodeBase64, encodeBase64 } from '../base64.ts';
import type { ConversationKeyRef, MembershipView } from '../conversation-keys.ts';
import type { LocalDevice } from '../identity.ts';
import { type EpochKeys, type OpenedMessage, openMessage, sealMessage } from '../messages.ts';
import type { E2eFailure } from '../result.ts';
import type { MessageRow } from './rows.ts';

export type OpenResult = { ok: true; message: OpenedMessage } | { ok: false; error: E2eFailure };

/** The base64 envelope of message `id` under this epoch key, signed by this device. */
export function sealMessageEnvelope(
  nacl: SyncNacl,
  device: LocalDevice,
  conversationKey: ConversationKeyRef,
  id: string,
  payload: MessagePayload,
): string {
  return encodeBase64(sealMessage(nacl, { id, conversationKey, payload }, device));
}

/**
 * Opens a stored message: every check of the protocol, then the payload. The server's `createdAt`
 * lets a message sent before its device was revoked still open.
 */
export function openMessageRow(
  nacl: SyncNacl,
  message: MessageRow,
  keys: EpochKeys,
  opening: MembershipView,
): OpenResult {
  const bytes = decodeBase64(message.envelope);
  if (bytes === null) return { ok: false, error: { code: 'MALFORMED', message: 'base64' } };
  const storedAt = message.createdAt === undefined ? undefined : Date.parse(message.createdAt);
  const opened = openMessage(nacl, bytes, message, keys, opening, storedAt);
  return opened.ok ? { ok: true, message: opened.value } : { ok: false, error: opened.error };
}
