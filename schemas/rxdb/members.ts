import { nullableIsoTime, pairId, rev, uuid } from './common.ts';

/**
 * Membership of a user in a conversation; id is `<conversationId>|<userId>`. Removal is
 * `removed: true` (pushing `_deleted: true` means the same); the row stays so the removed member
 * learns of it. Only admins add, remove or change roles; anyone may remove themselves.
 */
export const membersSchema = {
  title: 'members',
  version: 1,
  primaryKey: { key: 'id', fields: ['conversationId', 'userId'], separator: '|' },
  type: 'object',
  additionalProperties: false,
  properties: {
    id: pairId,
    conversationId: uuid,
    userId: uuid,
    role: { type: 'string', enum: ['admin', 'member'] },
    removed: { type: 'boolean' },
    /** Set by the server: when the member was removed (a removal starts a new epoch). */
    removedAt: nullableIsoTime,
    rev,
  },
  required: ['id', 'conversationId', 'userId', 'role', 'removed'],
} as const;
