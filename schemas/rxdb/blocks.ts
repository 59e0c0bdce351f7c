import { pairId, rev, uuid } from './common.ts';

/**
 * A user's block list; id is `<userId>|<blockedUserId>`. Replicated only to the blocking user's own
 * devices and written only by them: blocking is creating the row (or undeleting it), unblocking is
 * `_deleted: true`. A blocked user cannot start a conversation with you or add you to one, and
 * learns nothing of your presence or devices; a block leaves your direct conversations with them
 * and drops their requests (docs/protocol.md, "Message requests and blocks"). Nobody else is told.
 */
export const blocksSchema = {
  title: 'blocks',
  version: 0,
  primaryKey: { key: 'id', fields: ['userId', 'blockedUserId'], separator: '|' },
  type: 'object',
  additionalProperties: false,
  properties: {
    id: pairId,
    userId: uuid,
    blockedUserId: uuid,
    rev,
  },
  required: ['id', 'userId', 'blockedUserId'],
} as const;
