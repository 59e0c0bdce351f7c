import { describe, expect, it } from 'vitest';
import type { FailureDoc, MessageViewDoc, ReceiptDoc } from '../database/app-database.ts';
import { newestFirstKeyOf } from './message-projector.ts';
import { buildTimeline, newMessagesAfter } from './timeline.ts';

const ALICE = '00000000-0000-4000-8000-00000000000a';
const BOB = '00000000-0000-4000-8000-00000000000b';
const CONVERSATION = '00000000-0000-4000-8000-0000000000c0';

function view(id: string, createdAt: string, patch: Partial<MessageViewDoc> = {}): MessageViewDoc {
  return {
    id,
    conversationId: CONVERSATION,
    senderUserId: ALICE,
    senderDeviceId: '00000000-0000-4000-8000-0000000000d0',
    sortKey: `${createdAt}|${id}`,
    newestFirstKey: newestFirstKeyOf(`${createdAt}|${id}`),
    createdAt,
    editedAt: null,
    kind: 'text',
    text: `text of ${id}`,
    replyTo: null,
    target: null,
    emoji: null,
    synced: true,
    sourceRev: '1-a',
    epoch: 0,
    ...patch,
  };
}

function receipt(
  userId: string,
  deliveredUpTo: string | null,
  readUpTo: string | null,
): ReceiptDoc {
  return {
    id: `${CONVERSATION}|${userId}`,
    conversationId: CONVERSATION,
    userId,
    deliveredUpTo,
    readUpTo,
  };
}

const names = new Map([
  [ALICE, 'Alice'],
  [BOB, 'Bob'],
]);

function messages(items: ReturnType<typeof buildTimeline>) {
  return items.flatMap((item) => (item.type === 'message' ? [item] : []));
}

describe('buildTimeline', () => {
  it('puts a day separator before the first message of each day', () => {
    const items = buildTimeline({
      views: [
        view('m1', '2026-01-01T10:00:00.000Z'),
        view('m2', '2026-01-01T11:00:00.000Z'),
        view('m3', '2026-01-03T09:00:00.000Z'),
      ],
      receipts: [],
      failures: [],
      names,
      selfUserId: ALICE,
    });
    expect(items.map((item) => item.type)).toEqual(['day', 'message', 'message', 'day', 'message']);
  });

  it('gives my messages pending, sent, delivered and read from the other member’s receipt', () => {
    const views = [
      view('m1', '2026-01-01T10:00:00.000Z'),
      view('m2', '2026-01-01T10:01:00.000Z'),
      view('m3', '2026-01-01T10:02:00.000Z'),
      view('m4', '2026-01-01T10:03:00.000Z', { synced: false }),
    ];
    const items = messages(
      buildTimeline({
        views,
        receipts: [receipt(BOB, 'm2', 'm1'), receipt(ALICE, 'm3', 'm3')],
        failures: [],
        names,
        selfUserId: ALICE,
      }),
    );
    expect(items.map((item) => item.status)).toEqual(['read', 'delivered', 'sent', 'pending']);
  });

  it('marks a refused message failed with the server’s reason', () => {
    const failure: FailureDoc = {
      id: 'messages/m1',
      sourceCollection: 'messages',
      conversationId: CONVERSATION,
      code: 'NOT_MEMBER',
      message: 'you are not a member',
      at: '2026-01-01T10:00:01.000Z',
    };
    const [item] = messages(
      buildTimeline({
        views: [view('m1', '2026-01-01T10:00:00.000Z', { synced: false })],
        receipts: [],
        failures: [failure],
        names,
        selfUserId: ALICE,
      }),
    );
    expect(item?.status).toBe('failed');
    expect(item?.failure).toEqual({ code: 'NOT_MEMBER', message: 'you are not a member' });
  });

  it('folds reactions into their message and quotes the message replied to', () => {
    const items = messages(
      buildTimeline({
        views: [
          view('m1', '2026-01-01T10:00:00.000Z', { senderUserId: BOB, text: 'lunch?' }),
          view('m2', '2026-01-01T10:01:00.000Z', { replyTo: 'm1', text: 'yes' }),
          view('r1', '2026-01-01T10:02:00.000Z', {
            kind: 'reaction',
            target: 'm1',
            emoji: '👍',
            text: '',
          }),
          view('r2', '2026-01-01T10:03:00.000Z', {
            kind: 'reaction',
            target: 'm1',
            emoji: '👍',
            text: '',
            senderUserId: BOB,
          }),
          view('r3', '2026-01-01T10:04:00.000Z', { kind: 'deleted', target: 'm1', text: '' }),
        ],
        receipts: [],
        failures: [],
        names,
        selfUserId: ALICE,
      }),
    );
    expect(items.map((item) => item.view.id)).toEqual(['m1', 'm2']);
    expect(items[0]?.reactions).toEqual([{ emoji: '👍', count: 2, mine: true }]);
    expect(items[0]?.senderName).toBe('Bob');
    expect(items[1]?.reply).toEqual({ senderName: 'Bob', text: 'lunch?' });
  });
});

describe('grouping consecutive messages', () => {
  it('groups a sender’s run within five minutes and breaks it at another sender, a gap or a new day', () => {
    const items = messages(
      buildTimeline({
        views: [
          view('m1', '2026-01-01T10:00:00.000Z'),
          view('m2', '2026-01-01T10:04:59.000Z'),
          view('m3', '2026-01-01T10:05:30.000Z', { senderUserId: BOB }),
          view('m4', '2026-01-01T10:06:00.000Z', { senderUserId: BOB }),
          view('m5', '2026-01-01T10:20:00.000Z', { senderUserId: BOB }),
          // Local midnight between m6 and m7: a day separator splits them though they are a minute apart.
          view('m6', new Date(2026, 0, 1, 23, 59, 40).toISOString(), { senderUserId: BOB }),
          view('m7', new Date(2026, 0, 2, 0, 0, 20).toISOString(), { senderUserId: BOB }),
        ],
        receipts: [],
        failures: [],
        names,
        selfUserId: ALICE,
      }),
    );
    expect(items.map((item) => [item.key, item.groupedWithPrevious, item.groupedWithNext])).toEqual(
      [
        ['m1', false, true],
        ['m2', true, false],
        ['m3', false, true],
        ['m4', true, false],
        ['m5', false, false],
        ['m6', false, false],
        ['m7', false, false],
      ],
    );
  });

  it('does not let a folded reaction split a run', () => {
    const items = messages(
      buildTimeline({
        views: [
          view('m1', '2026-01-01T10:00:00.000Z'),
          view('r1', '2026-01-01T10:00:10.000Z', {
            senderUserId: BOB,
            kind: 'reaction',
            target: 'm1',
            emoji: '👍',
          }),
          view('m2', '2026-01-01T10:00:20.000Z'),
        ],
        receipts: [],
        failures: [],
        names,
        selfUserId: ALICE,
      }),
    );
    expect(items.map((item) => item.groupedWithPrevious)).toEqual([false, true]);
  });
});

describe('newMessagesAfter', () => {
  const items = buildTimeline({
    views: [
      view('m1', '2026-01-01T10:00:00.000Z'),
      view('m2', '2026-01-01T10:01:00.000Z', { senderUserId: BOB }),
      view('m3', '2026-01-01T10:02:00.000Z'),
      view('m4', '2026-01-03T10:03:00.000Z', { senderUserId: BOB }),
      view('m5', '2026-01-03T10:04:00.000Z', { senderUserId: BOB }),
    ],
    receipts: [],
    failures: [],
    names,
    selfUserId: ALICE,
  });

  it('counts the messages of others below the last row seen, not mine nor day separators', () => {
    expect(newMessagesAfter(items, 'm1')).toBe(3);
    expect(newMessagesAfter(items, 'm3')).toBe(2);
    expect(newMessagesAfter(items, 'm5')).toBe(0);
  });

  it('counts nothing when the row seen is gone', () => {
    expect(newMessagesAfter(items, 'missing')).toBe(0);
  });
});

describe('newestFirstKeyOf', () => {
  it('orders keys exactly in reverse', () => {
    const keys = [
      '2026-01-01T10:00:00.000Z|01a221d7-42ab-7000-829e-bd173cb0c202',
      '2026-01-01T10:00:00.000Z|01a221d7-42ab-7001-829e-bd173cb0c202',
      '2026-01-01T10:00:00.001Z|00000000-0000-7000-8000-000000000000',
      '2026-12-31T23:59:59.999Z|ffffffff-ffff-7fff-bfff-ffffffffffff',
    ];
    const reversed = [...keys].sort((a, b) =>
      newestFirstKeyOf(a) < newestFirstKeyOf(b)
        ? -1
        : newestFirstKeyOf(a) > newestFirstKeyOf(b)
          ? 1
          : 0,
    );
    expect(reversed).toEqual([...keys].reverse());
  });
});
