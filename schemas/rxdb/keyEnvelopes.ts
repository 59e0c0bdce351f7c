import { base64, MAX_ENVELOPE_BASE64, nullableIsoTime, rev, uuid } from './common.ts';

/**
 * A conversation key of one epoch sealed by `senderDeviceId` to `recipientDeviceId`. A device pulls
 * only the envelopes addressed to itself. Immutable once pushed; one per
 * (conversationId, epoch, recipientDeviceId); all envelopes of one epoch come from the device
 * that started it. `epochStartedAt` is set by the server: when the epoch's first envelope was
 * stored (clients start a new epoch after 7 days).
 */
export const keyEnvelopesSchema = {
  title: 'keyEnvelopes',
  version: 1,
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
    epochStartedAt: nullableIsoTime,
    rev,
  },
  required: ['id', 'conversationId', 'epoch', 'recipientDeviceId', 'senderDeviceId', 'envelope'],
} as const;
