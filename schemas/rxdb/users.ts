import { nullableBase64, rev, uuid } from './common.ts';

/**
 * Public profiles: your own and those of everyone you share a conversation with. Read-only.
 * `identityPublicKey` (Ed25519, base64 of 32 bytes) certifies and revokes the user's devices
 * (docs/crypto.md); null only for accounts made before end-to-end encryption.
 */
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
    identityPublicKey: nullableBase64(44),
    rev,
  },
  required: ['id', 'username', 'displayName', 'identityPublicKey'],
} as const;
