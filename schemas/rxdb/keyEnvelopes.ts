import { base64, MAX_ENVELOPE_BASE64, rev, uuid } from './common.ts';

/**
 * A conversation key of one epoch sealed by `senderDeviceId` to `recipientDeviceId`. A device pulls
 * only the envelopes addressed to itself. Immutable once pushed; one per
 * (conversationId, epoch, recipientDeviceId).
 */
export const keyEnvelopesSchema = {
  title: 'keyEnvelopes',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  additionalProperties: false,
  properties: {
    id: uuid,
    conversationId: uuid,
    epoch: { type: 'integer', minimum: 0, maximum: 2_147_483_647 },
    recipientDeviceId: uuid,
    senderDeviceId: uuid,
    envelope: base64(MAX_ENVELOPE_BASE64),
    rev,
  },
  required: ['id', 'conversationId', 'epoch', 'recipientDeviceId', 'senderDeviceId', 'envelope'],
} as const;
