import {
  animationFrames,
  combineLatest,
  concat,
  EMPTY,
  from,
  ignoreElements,
  map,
  type Observable,
  of,
  take,
} from 'rxjs';
import type {
  AppDatabase,
  FailureDoc,
  MessageViewDoc,
  ReceiptDoc,
} from '../database/app-database.ts';
import { type MessageStatus, type ReceiptPosition, statusOf } from './receipts.ts';
import type { SystemLine } from './system-lines.ts';

export interface ReactionSummary {
  emoji: string;
  count: number;
  mine: boolean;
}

export type TimelineItem =
  | { type: 'day'; key: string; label: string }
  | { type: 'system'; key: string; kind: SystemLine['kind']; text: string }
  | {
      type: 'message';
      key: string;
      view: MessageViewDoc;
      mine: boolean;
      senderName: string;
      status: MessageStatus | null;
      failure: { code: string; message: string } | null;
      reactions: ReactionSummary[];
      reply: { senderName: string; text: string } | null;
      /** Continues the run of the message above (same sender, close in time): no name, tight. */
      groupedWithPrevious: boolean;
      /** The message below continues this one's run: the bubble's tail is drawn there. */
      groupedWithNext: boolean;
    };

/** Messages of one sender further apart than this start a new group, as in the apps people know. */
export const GROUP_GAP_MS = 5 * 60_000;

export function dayLabel(iso: string, now = new Date()): string {
  const date = new Date(iso);
  const day = date.toDateString();
  if (day === now.toDateString()) return 'Today';
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (day === yesterday.toDateString()) return 'Yesterday';
  return date.toLocaleDateString(undefined, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  });
}

/**
 * Pure: the rows of a conversation as the chat view shows them (day separators, reactions folded
 * into their message, replies quoted, the status of my messages from the other members' receipts).
 */
export function buildTimeline(input: {
  views: readonly MessageViewDoc[];
  receipts: readonly ReceiptDoc[];
  failures: readonly FailureDoc[];
  names: ReadonlyMap<string, string>;
  selfUserId: string;
  /** What happened to the conversation itself, merged in by time (system-lines.ts). */
  lines?: readonly SystemLine[];
}): TimelineItem[] {
  const byId = new Map(input.views.map((view) => [view.id, view]));
  const sortKeyOf = (id: string | null) => (id === null ? '' : (byId.get(id)?.sortKey ?? ''));
  const others: ReceiptPosition[] = input.receipts
    .filter((receipt) => receipt.userId !== input.selfUserId)
    .map((receipt) => ({
      userId: receipt.userId,
      delivered: sortKeyOf(receipt.deliveredUpTo),
      read: sortKeyOf(receipt.readUpTo),
    }));
  const failures = new Map(
    input.failures.map((failure) => [failure.id.slice('messages/'.length), failure]),
  );
  const reactions = new Map<string, Map<string, { count: number; mine: boolean }>>();
  for (const view of input.views) {
    if (view.kind !== 'reaction' || view.target === null || view.emoji === null) continue;
    const forTarget =
      reactions.get(view.target) ?? new Map<string, { count: number; mine: boolean }>();
    const entry = forTarget.get(view.emoji) ?? { count: 0, mine: false };
    entry.count += 1;
    entry.mine ||= view.senderUserId === input.selfUserId;
    forTarget.set(view.emoji, entry);
    reactions.set(view.target, forTarget);
  }
  const nameOf = (userId: string | null) =>
    userId === input.selfUserId ? 'You' : (input.names.get(userId ?? '') ?? 'Unknown');

  const items: TimelineItem[] = [];
  let lastDay = '';
  let previous: Extract<TimelineItem, { type: 'message' }> | null = null;
  const startDay = (iso: string) => {
    const day = new Date(iso).toDateString();
    if (day === lastDay) return;
    items.push({ type: 'day', key: `day:${day}`, label: dayLabel(iso) });
    lastDay = day;
    previous = null;
  };
  const pushLine = (line: SystemLine) => {
    if (line.at !== null && line.place === 'timed') startDay(line.at);
    items.push({ type: 'system', key: line.key, kind: line.kind, text: line.text });
    // A line between two messages of one sender ends their run.
    previous = null;
  };
  const lines = input.lines ?? [];
  const timed = lines
    .filter((line) => line.place === 'timed' && line.at !== null)
    .sort((a, b) => Date.parse(a.at ?? '') - Date.parse(b.at ?? ''));
  let nextTimed = 0;
  for (const line of lines) if (line.place === 'start') pushLine(line);
  for (const view of input.views) {
    if (view.kind === 'reaction') continue;
    // A withdrawn reaction is a deleted message of its own; nothing to show for it.
    if (view.kind === 'deleted' && view.text === '' && view.target !== null) continue;
    const sentAt = Date.parse(view.createdAt);
    while (nextTimed < timed.length && Date.parse(timed[nextTimed]?.at ?? '') <= sentAt) {
      pushLine(timed[nextTimed] as SystemLine);
      nextTimed += 1;
    }
    startDay(view.createdAt);
    const mine = view.senderUserId === input.selfUserId;
    const failure = failures.get(view.id);
    const quoted = view.replyTo === null ? undefined : byId.get(view.replyTo);
    const grouped =
      previous !== null &&
      previous.view.senderUserId === view.senderUserId &&
      Date.parse(view.createdAt) - Date.parse(previous.view.createdAt) <= GROUP_GAP_MS;
    if (grouped && previous !== null) previous.groupedWithNext = true;
    const item: Extract<TimelineItem, { type: 'message' }> = {
      type: 'message',
      key: view.id,
      view,
      mine,
      senderName: nameOf(view.senderUserId),
      status:
        mine && view.kind !== 'deleted' ? statusOf(view, others, failure !== undefined) : null,
      failure: failure === undefined ? null : { code: failure.code, message: failure.message },
      reactions: [...(reactions.get(view.id) ?? new Map()).entries()].map(([emoji, entry]) => ({
        emoji,
        ...entry,
      })),
      reply:
        view.replyTo === null
          ? null
          : {
              senderName: quoted ? nameOf(quoted.senderUserId) : '',
              text:
                quoted === undefined
                  ? 'Earlier message'
                  : quoted.kind === 'text'
                    ? quoted.text
                    : 'Message deleted',
            },
      groupedWithPrevious: grouped,
      groupedWithNext: false,
    };
    items.push(item);
    previous = item;
  }
  for (const line of timed.slice(nextTimed)) pushLine(line);
  for (const line of lines) if (line.place === 'end') pushLine(line);
  return items;
}

/**
 * How many messages from others arrived below the row with `seenKey` (the last row shown when the
 * reader scrolled up): the count on the jump-to-latest button. 0 when that row is gone.
 */
export function newMessagesAfter(items: readonly TimelineItem[], seenKey: string): number {
  const seenAt = items.findIndex((item) => item.key === seenKey);
  if (seenAt < 0) return 0;
  let count = 0;
  for (const item of items.slice(seenAt + 1)) {
    if (item.type === 'message' && !item.mine) count += 1;
  }
  return count;
}

/** Rows loaded before the whole conversation: more than a tall screen shows. */
const FIRST_WINDOW = 60;

export function timeline$(
  database: AppDatabase,
  conversationId: string,
  selfUserId: string,
  lines$: Observable<readonly SystemLine[]> = of([]),
): Observable<TimelineItem[]> {
  // The newest rows first (what the screen shows at once), then the whole history.
  const newest$ = from(
    database.messageViews
      .find({
        selector: { conversationId },
        sort: [{ conversationId: 'asc' }, { newestFirstKey: 'asc' }],
        limit: FIRST_WINDOW,
      })
      .exec(),
  ).pipe(map((rows) => rows.reverse()));
  const all$ = database.messageViews.find({
    selector: { conversationId },
    sort: [{ conversationId: 'asc' }, { sortKey: 'asc' }],
  }).$;
  // The whole history is read after the first window has been painted (two frames), so reading
  // and laying out 10,000 rows never delays showing the newest ones.
  const painted$ =
    'requestAnimationFrame' in globalThis
      ? animationFrames().pipe(take(2), ignoreElements())
      : EMPTY;
  return combineLatest([
    concat(newest$, painted$, all$),
    database.receipts.find({ selector: { conversationId } }).$,
    database.failures.find({ selector: { conversationId, sourceCollection: 'messages' } }).$,
    database.users.find().$,
    lines$,
  ]).pipe(
    map(([views, receipts, failures, users, lines]) =>
      buildTimeline({
        views: views.map((view) => view.toJSON() as MessageViewDoc),
        receipts: receipts.map((receipt) => receipt.toJSON() as ReceiptDoc),
        failures: failures.map((failure) => failure.toJSON() as FailureDoc),
        names: new Map(users.map((user) => [user.id, user.displayName])),
        selfUserId,
        lines,
      }),
    ),
  );
}
