import { describe, expect, it } from 'vitest';
import type { MemberDoc, ReceiptDoc } from './app-database.ts';
import { localChangeWins, serverMergeWins } from './conflict-handler.ts';

const ID = '00000000-0000-4000-8000-0000000000c0|00000000-0000-4000-8000-00000000000b';
const base = {
  id: ID,
  conversationId: '00000000-0000-4000-8000-0000000000c0',
  userId: '00000000-0000-4000-8000-00000000000b',
};

describe('localChangeWins', () => {
  const handler = localChangeWins<ReceiptDoc>('receipts');

  it('tells a state from the same state with the server’s rev (so the rev reaches the device)', () => {
    const pushed = { ...base, deliveredUpTo: 'm1', readUpTo: null, _deleted: false };
    expect(handler.isEqual(pushed, { ...pushed }, 'test')).toBe(true);
    expect(handler.isEqual(pushed, { ...pushed, rev: '901' }, 'test')).toBe(false);
    expect(handler.isEqual(pushed, { ...pushed, readUpTo: 'm1' }, 'test')).toBe(false);
  });

  it('keeps this device’s newer change on top of the server’s row and its rev', async () => {
    const resolved = await handler.resolve(
      {
        assumedMasterState: { ...base, deliveredUpTo: 'm1', readUpTo: null, _deleted: false },
        realMasterState: {
          ...base,
          deliveredUpTo: 'm1',
          readUpTo: null,
          rev: '901',
          _deleted: false,
        },
        newDocumentState: { ...base, deliveredUpTo: 'm1', readUpTo: 'm1', _deleted: false },
      },
      'test',
    );
    expect(resolved).toEqual({
      ...base,
      deliveredUpTo: 'm1',
      readUpTo: 'm1',
      rev: '901',
      _deleted: false,
    });
  });

  it('leaves a row deleted on the server deleted', async () => {
    const master = { ...base, deliveredUpTo: null, readUpTo: null, rev: '5', _deleted: true };
    const resolved = await handler.resolve(
      {
        realMasterState: master,
        newDocumentState: { ...base, deliveredUpTo: 'm2', readUpTo: 'm2', _deleted: false },
      },
      'test',
    );
    expect(resolved).toEqual(master);
  });

  it('keeps the server’s time of a removal (a field clients do not write)', async () => {
    const members = localChangeWins<MemberDoc>('members');
    const member = { ...base, role: 'member' as const, accepted: true, _deleted: false };
    const resolved = await members.resolve(
      {
        realMasterState: {
          ...member,
          removed: true,
          removedAt: '2026-03-01T10:00:00.000Z',
          rev: '7',
        },
        newDocumentState: { ...member, role: 'admin', removed: true, removedAt: null },
      },
      'test',
    );
    expect(resolved).toEqual({
      ...member,
      role: 'admin',
      removed: true,
      removedAt: '2026-03-01T10:00:00.000Z',
      rev: '7',
    });
  });

  it('keeps an acceptance from either side: mine waits to be pushed, the server’s is not undone', async () => {
    const members = localChangeWins<MemberDoc>('members');
    const member = { ...base, role: 'member' as const, removed: false, _deleted: false };
    const mineAccepted = await members.resolve(
      {
        realMasterState: { ...member, accepted: false, rev: '8' },
        newDocumentState: { ...member, accepted: true },
      },
      'test',
    );
    expect(mineAccepted).toMatchObject({ accepted: true, rev: '8' });
    // An admin's local row still says false (the server decided the member knew the admin).
    const serverAccepted = await members.resolve(
      {
        realMasterState: { ...member, accepted: true, rev: '9' },
        newDocumentState: { ...member, role: 'admin', accepted: false },
      },
      'test',
    );
    expect(serverAccepted).toMatchObject({ role: 'admin', accepted: true, rev: '9' });
  });
});

describe('serverMergeWins (receipts)', () => {
  it('takes the server’s merged positions over an older state this device pushed', async () => {
    const receipts = serverMergeWins<ReceiptDoc>('receipts');
    // A new login pushed what it knew (nothing read); the server kept the later positions.
    const resolved = await receipts.resolve(
      {
        realMasterState: {
          ...base,
          deliveredUpTo: 'm3',
          readUpTo: 'm2',
          rev: '12',
          _deleted: false,
        },
        newDocumentState: { ...base, deliveredUpTo: 'm3', readUpTo: null, _deleted: false },
      },
      'test',
    );
    expect(resolved).toEqual({
      ...base,
      deliveredUpTo: 'm3',
      readUpTo: 'm2',
      rev: '12',
      _deleted: false,
    });
  });
});
