import { base64, MAX_STATEMENT_BASE64, rev, uuid } from './common.ts';

/**
 * The user's key archive: every conversation key of every epoch the user's devices obtained, each
 * sealed under the user's archive key (shape of `archiveEntry` in schemas/e2e/records.ts, format in
 * docs/crypto.md), so a new device reads the whole history with no other device online. Only the
 * owning user's devices pull it; a device pushes entries of its own user only; an entry never
 * changes; one per (userId, conversationId, epoch).
 */
export const keyArchiveSchema = {
  title: 'keyArchive',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  additionalProperties: false,
  properties: {
    id: uuid,
    userId: uuid,
    conversationId: uuid,
    epoch: { type: 'integer', minimum: 0, maximum: 2_147_483_647 },
    sealedKey: base64(MAX_STATEMENT_BASE64),
    rev,
  },
  required: ['id', 'userId', 'conversationId', 'epoch', 'sealedKey'],
} as const;
