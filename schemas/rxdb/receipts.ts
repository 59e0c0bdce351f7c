import { pairId, rev, uuid } from './common.ts';

/**
 * How far a user's devices received and read a conversation; id is `<conversationId>|<userId>`.
 * Each user writes only their own; the message ids must belong to the same conversation.
 */
export const receiptsSchema = {
  title: 'receipts',
  version: 0,
  primaryKey: { key: 'id', fields: ['conversationId', 'userId'], separator: '|' },
  type: 'object',
  additionalProperties: false,
  properties: {
    id: pairId,
    conversationId: uuid,
    userId: uuid,
    deliveredUpTo: { ...uuid, type: ['string', 'null'] },
    readUpTo: { ...uuid, type: ['string', 'null'] },
    rev,
  },
  required: ['id', 'conversationId', 'userId', 'deliveredUpTo', 'readUpTo'],
} as const;
