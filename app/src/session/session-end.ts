import type { AppDatabase } from '../database/app-database.ts';
import type { SessionService, SignedOutReason } from './session-service.ts';

/**
 * Kept in the local database when a session ended with messages the server never received: until
 * the person has seen them (and saved them if they wish), nothing is deleted and nobody signs in.
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

export async function readEndedSession(database: AppDatabase): Promise<EndedSession | null> {
  const doc = await database.getLocal<EndedSession>(ENDED_SESSION_DOC);
  return doc === null ? null : (doc.toJSON().data as EndedSession);
}

/**
 * What becomes of this device's data when its session is over (logged out, or ended by the
 * server: revoked, refresh refused). With nothing unsent it is wiped, as always; with unsent
 * messages it is kept and marked, and the person is shown them (`/session-ended`) and asked.
 * Returns where the app goes next.
 */
export async function closeAccountData(
  database: AppDatabase,
  reason: SignedOutReason,
  now: () => Date = () => new Date(),
): Promise<'/login' | '/session-ended'> {
  if ((await unsentMessages(database)).length === 0) {
    await database.remove();
    return '/login';
  }
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
  return closeAccountData(deps.database, reason);
}

/** The person decided: the kept data goes (messages, keys, everything of that account). */
export async function discardEndedSession(database: AppDatabase): Promise<void> {
  await database.remove();
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
