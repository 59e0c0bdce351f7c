import { describe, expect, it } from 'vitest';
import { toPushRow } from './wire.ts';

const SELF = '00000000-0000-4000-8000-0000000000d1';
const OTHER_DEVICE = '00000000-0000-4000-8000-0000000000d2';
const message = {
  id: '00000000-0000-4000-8000-0000000000a1',
  conversationId: '00000000-0000-4000-8000-0000000000c1',
  senderDeviceId: SELF,
  envelope: 'AQID',
  createdAt: '2026-11-28T10:00:00.000Z',
  editedAt: null,
  rev: '900',
  _deleted: false,
  _meta: { lwt: 1 },
  _rev: '1-abc',
  _attachments: {},
};

describe('toPushRow: the compact push row (docs/protocol.md, "Compact push rows")', () => {
  it('leaves out a null assumed state, _deleted false, this device as sender and local metadata', () => {
    expect(toPushRow('messages', { newDocumentState: message }, SELF)).toEqual({
      newDocumentState: {
        id: message.id,
        conversationId: message.conversationId,
        envelope: message.envelope,
        createdAt: message.createdAt,
        editedAt: null,
        rev: '900',
      },
    });
    expect(
      toPushRow('messages', { assumedMasterState: null, newDocumentState: message }, SELF),
    ).toEqual(toPushRow('messages', { newDocumentState: message }, SELF));
  });

  it('keeps what the server could not restore: a deletion, another device as sender, an assumed state', () => {
    const deleted = { ...message, senderDeviceId: OTHER_DEVICE, envelope: 'AA==', _deleted: true };
    const row = toPushRow(
      'messages',
      { assumedMasterState: message, newDocumentState: deleted },
      SELF,
    );
    expect(row.newDocumentState._deleted).toBe(true);
    expect(row.newDocumentState.senderDeviceId).toBe(OTHER_DEVICE);
    expect(row.assumedMasterState?.id).toBe(message.id);
    expect(row.assumedMasterState).not.toHaveProperty('senderDeviceId');
  });
});
