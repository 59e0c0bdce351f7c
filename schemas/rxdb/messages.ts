import { base64, isoTime, MAX_ENVELOPE_BASE64, nullableIsoTime, rev, uuid } from './common.ts';

/**
 * One message: an opaque envelope (ciphertext, base64) the server cannot read. The client generates
 * `id`, so a retried push is stored once. Only the sending user edits (new envelope) or deletes it
 * (`_deleted: true`; the server then drops the envelope to one zero byte). createdAt and editedAt are
 * set by the server.
 */
export const messagesSchema = {
  title: 'messages',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  additionalProperties: false,
  properties: {
    id: uuid,
    conversationId: uuid,
    senderDeviceId: uuid,
    envelope: base64(MAX_ENVELOPE_BASE64),
    createdAt: isoTime,
    editedAt: nullableIsoTime,
    rev,
  },
  required: ['id', 'conversationId', 'senderDeviceId', 'envelope'],
  indexes: ['conversationId'],
} as const;
