import type { AttachmentStore } from '../attachments/attachment-store.ts';
import type { AppDatabase } from '../database/app-database.ts';
import type { SessionService, SignedOutReason } from './session-service.ts';

/**
 * Kept in the local database when a session ended with messages or files the server never
 * received: until the person has seen them (and saved them if they wish), nothing is deleted and
 * nobody signs in.
 */
export interface EndedSession {
  reason: SignedOutReason;
  endedAt: string;
}

const ENDED_SESSION_DOC = 'ended-session';

/** A message written on this device that the server has not stored. */
export interface UnsentMessage {
  id: string;
  conversationId: string;
  /** What the person wrote (empty when it was never opened here, e.g. a reaction). */
  text: string;
  /** When it was written (this device's clock). */
  writtenAt: string;
  /** The server refused it (it is listed under the conversation's failures too). */
  refused: boolean;
}

/**
 * Messages of this device without a server revision: never acknowledged by the server, so no one
 * else has them. Their text comes from the message views (the envelope is sealed).
 */
export async function unsentMessages(database: AppDatabase): Promise<UnsentMessage[]> {
  const messages = await database.messages.find({ selector: { rev: { $exists: false } } }).exec();
  if (messages.length === 0) return [];
  const ids = messages.map((message) => message.id);
  const [views, failures] = await Promise.all([
    database.messageViews.findByIds(ids).exec(),
    database.failures.findByIds(ids.map((id) => `messages/${id}`)).exec(),
  ]);
  return messages
    .map((message) => {
      const view = views.get(message.id);
      return {
        id: message.id,
        conversationId: message.conversationId,
        text: view?.kind === 'text' ? view.text : '',
        writtenAt: view?.createdAt ?? '',
        refused: failures.has(`messages/${message.id}`),
      };
    })
    .sort((a, b) => a.writtenAt.localeCompare(b.writtenAt));
}

/** A file chosen on this device whose message never went out (it waits in the attachment outbox). */
export interface UnsentAttachment {
  messageId: string;
  conversationId: string;
  fileName: string;
  /** The file's own size (the encrypted blob is a little larger). */
  size: number;
  /** When it was chosen (this device's clock). */
  chosenAt: string;
}

/** The attachment outbox: files whose message was not sent (the upload may be partly done). */
export async function unsentAttachments(store: AttachmentStore): Promise<UnsentAttachment[]> {
  const items = await store.outbox.orderBy('createdAt').toArray();
  return items.map((item) => ({
    messageId: item.messageId,
    conversationId: item.conversationId,
    fileName: item.fileName,
    size: item.size,
    chosenAt: new Date(item.createdAt).toISOString(),
  }));
}

/**
 * What is unsent in the attachment store; a store that cannot be read (a browser's private mode)
 * holds nothing that could be shown or saved, and is counted empty.
 */
async function readUnsentAttachments(store: AttachmentStore): Promise<UnsentAttachment[]> {
  try {
    return await unsentAttachments(store);
  } catch (error) {
    console.warn('AnoChat: the attachment outbox could not be read', error);
    return [];
  }
}

/** Everything of the account's attachments goes: unsent files and decrypted downloads. */
async function deleteAttachments(store: AttachmentStore): Promise<void> {
  await store.delete().catch((error: unknown) => {
    console.warn('AnoChat: the attachment store could not be deleted', error);
  });
}

export async function readEndedSession(database: AppDatabase): Promise<EndedSession | null> {
  const doc = await database.getLocal<EndedSession>(ENDED_SESSION_DOC);
  return doc === null ? null : (doc.toJSON().data as EndedSession);
}

/**
 * What becomes of this device's data when its session is over (logged out, or ended by the
 * server: revoked, refresh refused). With nothing unsent it is wiped, as always, attachments
 * included; with unsent messages or files waiting in the attachment outbox it is kept and marked
 * (only the decrypted downloads go: nothing of them is unsent), and the person is shown them
 * (`/session-ended`) and asked. Returns where the app goes next.
 */
export async function closeAccountData(
  database: AppDatabase,
  attachments: AttachmentStore,
  reason: SignedOutReason,
  now: () => Date = () => new Date(),
): Promise<'/login' | '/session-ended'> {
  const [messages, files] = await Promise.all([
    unsentMessages(database),
    readUnsentAttachments(attachments),
  ]);
  if (messages.length === 0 && files.length === 0) {
    await database.remove();
    await deleteAttachments(attachments);
    return '/login';
  }
  await attachments.files.clear().catch((error: unknown) => {
    console.warn('AnoChat: the downloaded files could not be deleted', error);
  });
  await database.upsertLocal<EndedSession>(ENDED_SESSION_DOC, {
    reason,
    endedAt: now().toISOString(),
  });
  return '/session-ended';
}

/**
 * Signs this device out: the account stops, the session is ended on the server (a logout) or
 * forgotten here (the server ended it), the device's keys are forgotten, and the local data is
 * wiped or kept as closeAccountData decides. Returns where the app goes next.
 */
export async function signOutOf(
  deps: {
    database: AppDatabase;
    /** The attachment store (outbox and downloads); closed by nobody else meanwhile. */
    attachments: AttachmentStore;
    session: Pick<SessionService, 'logout' | 'forget'>;
    stopAccount(): Promise<void>;
    forgetDeviceKeys(): Promise<void>;
  },
  reason: SignedOutReason,
): Promise<'/login' | '/session-ended'> {
  await deps.stopAccount();
  // A logout signs its revocation with the device's identity, so the keys go only after it.
  if (reason === 'logged-out') await deps.session.logout();
  else await deps.session.forget();
  await deps.forgetDeviceKeys();
  return closeAccountData(deps.database, deps.attachments, reason);
}

/** The person decided: the kept data goes (messages, files, keys, everything of that account). */
export async function discardEndedSession(
  database: AppDatabase,
  attachments: AttachmentStore,
): Promise<void> {
  await database.remove();
  await deleteAttachments(attachments);
}

/** "2 messages and 1 file", "1 message", "3 files"; empty when nothing is unsent. */
export function unsentSummary(messages: number, files: number): string {
  const parts: string[] = [];
  if (messages > 0) parts.push(`${messages} ${messages === 1 ? 'message' : 'messages'}`);
  if (files > 0) parts.push(`${files} ${files === 1 ? 'file' : 'files'}`);
  return parts.join(' and ');
}

/** What a sign-out now would keep and ask about, for the warning before it. */
export async function unsentBeforeSignOut(
  database: AppDatabase,
  attachments: AttachmentStore,
): Promise<{ messages: number; files: number }> {
  const [messages, files] = await Promise.all([
    unsentMessages(database),
    readUnsentAttachments(attachments),
  ]);
  return { messages: messages.length, files: files.length };
}

/** The unsent messages as a plain-text file the person can keep. */
export function unsentAsText(messages: readonly UnsentMessage[], ended: EndedSession): string {
  const lines = [
    'AnoChat: messages written on this device that never reached the server',
    `Session ended ${ended.endedAt} (${ended.reason === 'logged-out' ? 'logged out' : 'ended by the server'})`,
    '',
  ];
  for (const message of messages) {
    lines.push(
      `[${message.writtenAt || 'unknown time'}] conversation ${message.conversationId}${message.refused ? ' (refused by the server)' : ''}`,
    );
    lines.push(message.text === '' ? '(no text)' : message.text, '');
  }
  return lines.join('\n');
}
