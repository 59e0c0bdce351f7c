import { describe, expect, it } from 'vitest';
import { buildSystemLines, type SystemLine } from './system-lines.ts';
import { buildTimeline } from './timeline.ts';

const ALICE = '00000000-0000-4000-8000-00000000000a';
const BOB = '00000000-0000-4000-8000-00000000000b';
const CAROL = '00000000-0000-4000-8000-00000000000c';
const CONVERSATION = '00000000-0000-4000-8000-0000000000c0';
const names = new Map([
  [ALICE, 'Alice'],
  [BOB, 'Bob'],
  [CAROL, 'Carol'],
]);

const group = {
  id: CONVERSATION,
  kind: 'group' as const,
  createdBy: ALICE,
  titleChangedAt: '2026-01-01T10:00:01.000Z',
};
const member = (
  userId: string,
  patch: Partial<Parameters<typeof buildSystemLines>[0]['members'][number]> = {},
) => ({
  userId,
  removed: false,
  removedAt: null,
  invitedBy: userId === ALICE ? null : ALICE,
  ...patch,
});

function lines(input: Partial<Parameters<typeof buildSystemLines>[0]> = {}): SystemLine[] {
  return buildSystemLines({
    conversation: group,
    title: 'Climbing',
    members: [member(ALICE), member(BOB)],
    epochZeroStartedAt: '2026-01-01T10:00:00.500Z',
    changedKeys: new Set(),
    names,
    selfUserId: BOB,
    ...input,
  });
}

describe('buildSystemLines', () => {
  it('tells the creation at epoch 0’s start, who added whom right after it, and the name at its time', () => {
    expect(lines().map((line) => [line.kind, line.text, line.at])).toEqual([
      ['created', 'Alice created the group', '2026-01-01T10:00:00.500Z'],
      ['added', 'Alice added You', '2026-01-01T10:00:00.500Z'],
      ['named', 'The group was named “Climbing”', '2026-01-01T10:00:01.000Z'],
    ]);
  });

  it('tells a name set just before epoch 0 started (the creation’s) after the creation', () => {
    const named = lines({
      conversation: { ...group, titleChangedAt: '2026-01-01T10:00:00.100Z' },
    });
    expect(named.map((line) => [line.kind, line.at])).toEqual([
      ['created', '2026-01-01T10:00:00.500Z'],
      ['added', '2026-01-01T10:00:00.500Z'],
      ['named', '2026-01-01T10:00:00.500Z'],
    ]);
  });

  it('says nothing of a name this device cannot open yet', () => {
    expect(lines({ title: null }).map((line) => line.kind)).toEqual(['created', 'added']);
  });

  it('tells a later rename at its time, apart from the creation', () => {
    const renamed = lines({
      conversation: { ...group, titleChangedAt: '2026-01-02T08:00:00.000Z' },
      title: 'Bouldering',
    });
    expect(renamed.map((line) => line.text)).toEqual([
      'Alice created the group',
      'Alice added You',
      'The group was named “Bouldering”',
    ]);
    expect(renamed[2]?.at).toBe('2026-01-02T08:00:00.000Z');
  });

  it('puts the creation at the start when this device never held epoch 0 (it joined later)', () => {
    const joinedLater = lines({ epochZeroStartedAt: null });
    expect(joinedLater.map((line) => [line.kind, line.place])).toEqual([
      ['created', 'start'],
      ['added', 'start'],
      // The name's time is known even so.
      ['named', 'timed'],
    ]);
  });

  it('tells an ended membership at its time, and a member whose key changed at the end', () => {
    const result = lines({
      members: [
        member(ALICE),
        member(BOB),
        member(CAROL, { removed: true, removedAt: '2026-01-03T09:00:00.000Z' }),
      ],
      changedKeys: new Set([ALICE, CAROL]),
    });
    expect(result.slice(4).map((line) => [line.kind, line.text, line.place])).toEqual([
      ['no-longer-member', 'Carol left or was removed', 'timed'],
      // Carol is gone: only Alice's key change concerns this conversation.
      [
        'key-changed',
        'Alice’s safety number changed. Compare it again before you trust this conversation.',
        'end',
      ],
    ]);
  });

  it('has no creation, name or added lines in a direct chat', () => {
    const direct = lines({
      conversation: { ...group, kind: 'direct', titleChangedAt: null },
      title: null,
    });
    expect(direct).toEqual([]);
  });
});

describe('system lines in the timeline', () => {
  it('merges timed lines between the messages by time and ends a run of one sender', () => {
    const view = (id: string, createdAt: string, senderUserId = ALICE) => ({
      id,
      conversationId: CONVERSATION,
      senderUserId,
      senderDeviceId: '00000000-0000-4000-8000-0000000000d0',
      sortKey: `${createdAt}|${id}`,
      newestFirstKey: '',
      createdAt,
      editedAt: null,
      kind: 'text' as const,
      text: id,
      replyTo: null,
      target: null,
      emoji: null,
      synced: true,
      sourceRev: '1-a',
      epoch: 0,
    });
    const items = buildTimeline({
      views: [view('m1', '2026-01-01T10:01:00.000Z'), view('m2', '2026-01-01T10:03:00.000Z')],
      receipts: [],
      failures: [],
      names,
      selfUserId: BOB,
      lines: lines({
        members: [
          member(ALICE),
          member(BOB),
          member(CAROL, { removed: true, removedAt: '2026-01-01T10:02:00.000Z' }),
        ],
        changedKeys: new Set([ALICE]),
      }),
    });
    expect(items.map((item) => (item.type === 'day' ? 'day' : item.key))).toEqual([
      'day',
      'system:created',
      `system:added:${BOB}`,
      `system:added:${CAROL}`,
      'system:named:2026-01-01T10:00:01.000Z',
      'm1',
      `system:gone:${CAROL}:2026-01-01T10:02:00.000Z`,
      'm2',
      `system:key:${ALICE}`,
    ]);
    const m2 = items.find((item) => item.key === 'm2');
    expect(m2?.type === 'message' && m2.groupedWithPrevious).toBe(false);
  });
});
