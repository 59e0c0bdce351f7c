import { describe, expect, it } from 'vitest';
import type { FailureDoc, MessageViewDoc, ReceiptDoc } from '../database/app-database.ts';
import { newestFirstKeyOf } from './message-projector.ts';
import { buildTimeline } from './timeline.ts';

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
