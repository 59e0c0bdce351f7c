import { rev, uuid } from './common.ts';

/** Public profiles: your own and those of everyone you share a conversation with. Read-only. */
export const usersSchema = {
  title: 'users',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  additionalProperties: false,
  properties: {
    id: uuid,
    username: { type: 'string', maxLength: 32 },
    displayName: { type: 'string', maxLength: 64 },
    rev,
  },
  required: ['id', 'username', 'displayName'],
} as const;
