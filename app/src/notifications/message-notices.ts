import { auditTime, combineLatest, map, type Observable, type Subscription } from 'rxjs';
import { messageRequests$ } from '../contacts/message-requests.ts';
import { conversationList$ } from '../conversations/conversation-list.ts';
import type { ClientCrypto } from '../crypto/client-crypto.ts';
import type { AppDatabase, MessageViewDoc } from '../database/app-database.ts';
import type { MessageNotice, Notifier } from '../platform/platform.ts';
import { activeMutes$ } from './mutes.ts';

/** The longest message text a notification shows (when previews are on). */
const PREVIEW_LENGTH = 140;

/**
 * The total of the conversation list's unread counts, muted conversations left out (as Signal and
 * WhatsApp do: a muted conversation still shows its own count in the list, but neither the badge
 * nor the title counts it), settled (a sync changes it in bursts).
 */
export function unreadTotal$(
  database: AppDatabase,
  crypto: ClientCrypto,
  selfUserId: string,
  now: () => number = Date.now,
): Observable<number> {
  return combineLatest([
    conversationList$(database, crypto, selfUserId),
    activeMutes$(database, now),
  ]).pipe(
    map(([conversations, muted]) =>
      conversations.reduce((total, item) => total + (muted.has(item.id) ? 0 : item.unread), 0),
    ),
    auditTime(300),
  );
}

/**
 * What the person hears about new messages while signed in: the unread total on the platform's
 * badge, and a notification for each message of someone else that becomes readable here while
 * its conversation is not on screen and not muted: the sender and "New message" (the text only when
 * the person turned previews on). A new message request notifies too, saying only that it is one. What
 * arrives with the first sync after start (the backlog) counts on the badge but does not notify.
 */
export function startMessageNotices(deps: {
  database: AppDatabase;
  crypto: ClientCrypto;
  selfUserId: string;
  notifier: Notifier;
  /** Resolves when the first sync after start is done. */
  caughtUp: Promise<void>;
  isOnScreen(conversationId: string): boolean;
  previews(): boolean;
}) {
  const { database, notifier } = deps;
  const notified = new Set<string>();
  const knownRequests = new Set<string>();
  let muted: ReadonlyMap<string, unknown> = new Map();
  let live = false;
  deps.caughtUp.then(
    () => {
      live = true;
    },
    () => undefined,
  );

  async function nameOf(userId: string | null | undefined): Promise<string> {
    const user = userId ? await database.users.findOne(userId).exec() : null;
    return user?.displayName || 'Someone';
  }

  async function noticeFor(view: MessageViewDoc): Promise<MessageNotice> {
    const text =
      view.text.length > PREVIEW_LENGTH ? `${view.text.slice(0, PREVIEW_LENGTH)}…` : view.text;
    return {
      conversationId: view.conversationId,
      title: await nameOf(view.senderUserId),
      body: deps.previews() ? text : 'New message',
    };
  }

  const subscriptions: Subscription[] = [
    activeMutes$(database).subscribe((mutes) => {
      muted = mutes;
    }),
    unreadTotal$(database, deps.crypto, deps.selfUserId).subscribe((total) =>
      notifier.setBadge(total),
    ),
    // A request shows none of its messages until accepted: its notification says only that it
    // is one, once its sender is known (a blocked sender's requests are not listed at all).
    messageRequests$(database, deps.selfUserId).subscribe((requests) => {
      for (const request of requests) {
        if (knownRequests.has(request.conversationId)) continue;
        if (live && request.fromUsername === '') continue;
        knownRequests.add(request.conversationId);
        if (!live || deps.isOnScreen(request.conversationId) || muted.has(request.conversationId)) {
          continue;
        }
        notifier.show({
          conversationId: request.conversationId,
          title: request.fromName,
          body: 'Message request',
        });
      }
    }),
    database.messageViews.$.subscribe((event) => {
      const view = event.documentData as MessageViewDoc;
      const before = event.previousDocumentData as MessageViewDoc | undefined;
      if (!live || view.kind !== 'text' || before?.kind === 'text') return;
      if (view.senderUserId === deps.selfUserId || notified.has(view.id)) return;
      notified.add(view.id);
      if (deps.isOnScreen(view.conversationId) || muted.has(view.conversationId)) return;
      noticeFor(view)
        .then((notice) => notifier.show(notice))
        .catch(() => undefined);
    }),
  ];

  return {
    stop(): void {
      for (const subscription of subscriptions) subscription.unsubscribe();
      notifier.setBadge(0);
    },
  };
}
