import {
  catchError,
  combineLatest,
  from,
  map,
  type Observable,
  of,
  startWith,
  switchMap,
} from 'rxjs';
import type { ClientCrypto } from '../crypto/client-crypto.ts';
import type {
  AppDatabase,
  ConversationDoc,
  MessageViewDoc,
  ReceiptDoc,
} from '../database/app-database.ts';

export interface ConversationSummary {
  id: string;
  kind: 'direct' | 'group';
  title: string;
  /** The other person of a direct conversation. */
  peerUserId: string | null;
  preview: string;
  lastAt: string;
  /** Messages of others after my read position (counted up to UNREAD_CAP). */
  unread: number;
  /** I am still a member. */
  active: boolean;
}

/** How the list and notifications name an attachment: "Photo", "Video" or its file name. */
export function attachmentLabel(attachment: { mime: string; fileName: string }): string {
  if (attachment.mime.startsWith('image/')) return '📷 Photo';
  if (attachment.mime.startsWith('video/')) return '🎬 Video';
  return `📎 ${attachment.fileName}`;
}

/** Unread counts above this show as "50+": counting further would read the whole history. */
export const UNREAD_CAP = 50;

function previewOf(view: MessageViewDoc | undefined, names: Map<string, string>, self: string) {
  if (view === undefined) return '';
  const who = view.senderUserId === self ? 'You' : (names.get(view.senderUserId ?? '') ?? '');
  const body =
    view.kind === 'deleted'
      ? 'Message deleted'
      : view.kind === 'unreadable'
        ? 'Encrypted message (waiting for the key)'
        : view.attachment
          ? [attachmentLabel(view.attachment), view.text].filter((part) => part !== '').join(' · ')
          : view.text;
  return who === '' ? body : `${who}: ${body}`;
}

/**
 * The conversation list, live from the local database: title (peer's name or the decrypted group
 * title), decrypted last message, unread count, newest activity first.
 */
export function conversationList$(
  database: AppDatabase,
  crypto: ClientCrypto,
  selfUserId: string,
): Observable<ConversationSummary[]> {
  const titles = new Map<string, Promise<string | null>>();
  const titleOf = (conversation: ConversationDoc): Observable<string> => {
    const { titleCiphertext } = conversation;
    if (titleCiphertext === null) return of('Group');
    const key = `${conversation.id}:${titleCiphertext}:${conversation.titleChangedAt ?? ''}`;
    let opened = titles.get(key);
    if (opened === undefined) {
      opened = crypto.openTitle({ ...conversation, titleCiphertext });
      titles.set(key, opened);
    }
    return from(opened).pipe(
      map((title) => title ?? 'Encrypted group'),
      // One title that cannot be opened must not stop the whole list.
      catchError((error: unknown) => {
        console.warn('AnoChat: a group title could not be opened', error);
        return of('Encrypted group');
      }),
      startWith('Group'),
    );
  };

  return combineLatest([
    database.conversations.find().$,
    database.members.find({ selector: { userId: selfUserId } }).$,
    database.users.find().$,
    database.receipts.find({ selector: { userId: selfUserId } }).$,
    // Titles that could not be opened are retried when keys arrive.
    database.keyEnvelopes.find().$,
    database.keyArchive.find().$,
  ]).pipe(
    switchMap(([conversations, memberships, users, receipts]) => {
      if (conversations.length === 0) return of([]);
      const names = new Map(users.map((user) => [user.id, user.displayName]));
      const removed = new Set(
        memberships.filter((row) => row.removed).map((row) => row.conversationId),
      );
      // Requests (unanswered or declined) live in the message requests list, not here.
      const requests = new Set(
        memberships.filter((row) => !row.accepted).map((row) => row.conversationId),
      );
      const readUpTo = new Map(
        receipts.map((receipt) => [
          receipt.conversationId,
          (receipt.toJSON() as ReceiptDoc).readUpTo,
        ]),
      );
      titles.clear();
      const chats = conversations.filter((doc) => !requests.has(doc.id));
      if (chats.length === 0) return of([]);
      return combineLatest(
        chats.map((doc) => {
          const conversation = doc.toJSON() as ConversationDoc;
          const peer =
            conversation.kind === 'direct'
              ? conversation.createdBy === selfUserId
                ? conversation.directPeerId
                : conversation.createdBy
              : null;
          const recent$ = database.messageViews.find({
            selector: { conversationId: conversation.id },
            sort: [{ conversationId: 'asc' }, { newestFirstKey: 'asc' }],
            limit: UNREAD_CAP,
          }).$;
          const title$ =
            peer === null ? titleOf(conversation) : of(names.get(peer) ?? 'Unknown user');
          return combineLatest([recent$, title$]).pipe(
            map(([recent, title]): ConversationSummary => {
              const visible = recent
                .map((view) => view.toJSON() as MessageViewDoc)
                .filter((view) => view.kind !== 'reaction');
              const readId = readUpTo.get(conversation.id) ?? null;
              const readIndex =
                readId === null ? -1 : visible.findIndex((view) => view.id === readId);
              const newer = readIndex === -1 ? visible : visible.slice(0, readIndex);
              return {
                id: conversation.id,
                kind: conversation.kind,
                title,
                peerUserId: peer,
                preview: previewOf(visible[0], names, selfUserId),
                lastAt: visible[0]?.createdAt ?? '',
                unread: newer.filter(
                  (view) => view.senderUserId !== selfUserId && view.kind === 'text',
                ).length,
                active: !removed.has(conversation.id),
              };
            }),
          );
        }),
      );
    }),
    map((summaries) =>
      [...summaries].sort((a, b) => (a.lastAt < b.lastAt ? 1 : a.lastAt > b.lastAt ? -1 : 0)),
    ),
  );
}

/** The text messages whose decrypted text or file name contains `needle`, case-insensitively. */
function matchingViews(database: AppDatabase, needle: string) {
  const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return database.messageViews.find({
    selector: {
      kind: 'text',
      $or: [
        { text: { $regex: escaped, $options: 'i' } },
        { 'attachment.fileName': { $regex: escaped, $options: 'i' } },
      ],
    },
  }).$;
}

/** Conversation ids whose messages contain `query` (local search over decrypted text). */
export function searchMessages$(database: AppDatabase, query: string): Observable<Set<string>> {
  const needle = query.trim();
  if (needle === '') return of(new Set<string>());
  return matchingViews(database, needle).pipe(
    map((views) => new Set(views.map((view) => view.conversationId))),
  );
}

/** A message that matches a local search, as the search results list it. */
export interface MessageHit {
  messageId: string;
  conversationId: string;
  senderUserId: string | null;
  createdAt: string;
  /** The text around the first match, cut at word boundaries where it can be. */
  snippet: string;
}

/** At most this many messages are listed for one search: the newest ones. */
export const MESSAGE_HIT_LIMIT = 50;

/** Pure: the part of `text` around the first case-insensitive match of `needle`, with ellipses. */
export function snippetAround(text: string, needle: string, radius = 40): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const at = flat.toLowerCase().indexOf(needle.trim().toLowerCase());
  if (at < 0) return flat.length > radius * 2 ? `${flat.slice(0, radius * 2)}…` : flat;
  let start = Math.max(0, at - radius);
  let end = Math.min(flat.length, at + needle.trim().length + radius);
  // Whole words at both cuts, unless that would cut into the match itself.
  if (start > 0) {
    const space = flat.indexOf(' ', start);
    if (space >= 0 && space < at) start = space + 1;
  }
  if (end < flat.length) {
    const space = flat.lastIndexOf(' ', end);
    if (space > at + needle.trim().length) end = space;
  }
  return `${start > 0 ? '…' : ''}${flat.slice(start, end)}${end < flat.length ? '…' : ''}`;
}

/**
 * The messages whose decrypted text (or file name) contains `query`, across every conversation on
 * this device, newest first: what local search lists under the conversations.
 */
export function messageHits$(database: AppDatabase, query: string): Observable<MessageHit[]> {
  const needle = query.trim();
  if (needle === '') return of([]);
  return matchingViews(database, needle).pipe(
    map((views) =>
      views
        .map((view) => view.toJSON() as MessageViewDoc)
        .sort((a, b) => (a.sortKey < b.sortKey ? 1 : a.sortKey > b.sortKey ? -1 : 0))
        .slice(0, MESSAGE_HIT_LIMIT)
        .map((view) => ({
          messageId: view.id,
          conversationId: view.conversationId,
          senderUserId: view.senderUserId,
          createdAt: view.createdAt,
          snippet: snippetAround(
            view.text.toLowerCase().includes(needle.toLowerCase())
              ? view.text
              : (view.attachment?.fileName ?? view.text),
            needle,
          ),
        })),
    ),
  );
}
