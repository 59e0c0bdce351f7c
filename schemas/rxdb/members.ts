import { nullableIsoTime, pairId, rev, uuid } from './common.ts';

/**
 * Membership of a user in a conversation; id is `<conversationId>|<userId>`. Removal is
 * `removed: true` (pushing `_deleted: true` means the same); the row stays so the removed member
 * learns of it. Only admins add, remove or change roles; anyone may remove themselves.
 *
 * A membership someone else made is a **message request** until its member accepts it
 * (`accepted: false`; docs/protocol.md, "Message requests and blocks"): the member then sees the
 * conversation and its members but no messages, and the other members see neither the member's
 * devices nor presence. Only the member sets its own `accepted` to true; the server decides it
 * for new memberships (true for people the member knows) and ignores any other value pushed.
 */
export const membersSchema = {
  title: 'members',
  version: 2,
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
    /** The member agreed to be in this conversation (a request until then). */
    accepted: { type: 'boolean' },
    /** Set by the server: who made this membership (null for the conversation's creator). */
    invitedBy: { ...uuid, type: ['string', 'null'] },
    rev,
  },
  required: ['id', 'conversationId', 'userId', 'role', 'removed', 'accepted'],
} as const;
