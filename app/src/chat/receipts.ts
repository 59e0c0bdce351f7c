import { bufferTime, concatMap, filter, type Subscription } from 'rxjs';
import type { AppDatabase, MessageViewDoc, ReceiptDoc } from '../database/app-database.ts';

/** The page, where there is one: typed without the DOM library, since this also runs in Node. */
interface Page {
  visibilityState: string;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}
const page = () => (globalThis as { document?: Page }).document;

export type MessageStatus = 'pending' | 'sent' | 'delivered' | 'read' | 'failed';

/** How far one other member has received and read, as sort keys of the messages named. */
export interface ReceiptPosition {
  userId: string;
  delivered: string;
  read: string;
}

/**
 * The status of one of my messages: failed (refused), pending (not stored by the server yet), then
 * sent, delivered and read once every other member's receipt has reached it.
 */
export function statusOf(
  view: Pick<MessageViewDoc, 'synced' | 'sortKey'>,
  others: readonly ReceiptPosition[],
  failed: boolean,
): MessageStatus {
  if (failed) return 'failed';
  if (!view.synced) return 'pending';
  if (others.length === 0) return 'sent';
  if (others.every((other) => other.read >= view.sortKey)) return 'read';
  if (others.every((other) => other.delivered >= view.sortKey)) return 'delivered';
  return 'sent';
}

/**
 * Writes this user's receipts: `deliveredUpTo` as soon as messages of others arrive here,
 * `readUpTo` when the conversation is on screen. Positions only move forward.
 */
export function startReceipts(database: AppDatabase, selfUserId: string) {
  async function newestOf(conversationId: string): Promise<MessageViewDoc | null> {
    const newest = await database.messageViews
      .findOne({
        selector: { conversationId, synced: true },
        sort: [{ conversationId: 'asc' }, { newestFirstKey: 'asc' }],
      })
      .exec();
    // findOne answers null when nothing matches: `?.toJSON()` would make that undefined.
    return newest === null ? null : (newest.toJSON() as MessageViewDoc);
  }

  async function sortKeyOfMessage(id: string | null): Promise<string> {
    if (id === null) return '';
    return (await database.messageViews.findOne(id).exec())?.sortKey ?? '';
  }

  async function advance(conversationId: string, read: boolean): Promise<void> {
    const newest = await newestOf(conversationId);
    if (newest === null) return;
    const membership = await database.members.findOne(`${conversationId}|${selfUserId}`).exec();
    // A request (not accepted yet) marks nothing delivered or read; the server would refuse it.
    if (membership?.removed === true || membership?.accepted === false) return;
    const id = `${conversationId}|${selfUserId}`;
    const current = (await database.receipts.findOne(id).exec())?.toJSON() as
      | ReceiptDoc
      | undefined;
    const delivered = current?.deliveredUpTo ?? null;
    const readUpTo = current?.readUpTo ?? null;
    const moveDelivered = (await sortKeyOfMessage(delivered)) < newest.sortKey;
    const moveRead = read && (await sortKeyOfMessage(readUpTo)) < newest.sortKey;
    if (!moveDelivered && !moveRead) return;
    await database.receipts.upsert({
      id,
      conversationId,
      userId: selfUserId,
      deliveredUpTo: moveDelivered ? newest.id : delivered,
      readUpTo: moveRead ? newest.id : readUpTo,
      ...(current?.rev === undefined ? {} : { rev: current.rev }),
    });
  }

  const subscription: Subscription = database.messageViews.$.pipe(
    bufferTime(500),
    filter((events) => events.length > 0),
    concatMap(async (events) => {
      const conversations = new Set<string>();
      for (const event of events) {
        const view = event.documentData as MessageViewDoc;
        if (view.synced && view.senderUserId !== selfUserId) conversations.add(view.conversationId);
      }
      for (const conversationId of conversations) {
        await advance(conversationId, visible.has(conversationId) && documentVisible()).catch(
          (error: unknown) => console.error('AnoChat: receipt update failed', error),
        );
      }
    }),
  ).subscribe();

  const visible = new Set<string>();
  function documentVisible(): boolean {
    return page()?.visibilityState !== 'hidden';
  }
  // Coming back to the tab reads what arrived while it was in the background.
  const onVisibility = () => {
    if (!documentVisible()) return;
    for (const conversationId of visible) {
      void advance(conversationId, true).catch((error: unknown) =>
        console.error('AnoChat: receipt update failed', error),
      );
    }
  };
  page()?.addEventListener('visibilitychange', onVisibility);

  return {
    /** The conversation is on screen: everything in it is read (and stays so while open). */
    async opened(conversationId: string): Promise<void> {
      visible.add(conversationId);
      if (documentVisible()) await advance(conversationId, true);
    },
    closed(conversationId: string): void {
      visible.delete(conversationId);
    },
    stop(): void {
      subscription.unsubscribe();
      page()?.removeEventListener('visibilitychange', onVisibility);
    },
  };
}

export type Receipts = ReturnType<typeof startReceipts>;
