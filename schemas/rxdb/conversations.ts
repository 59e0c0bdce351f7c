import { base64, MAX_TITLE_BASE64, nullableIsoTime, rev, uuid } from './common.ts';

/**
 * A conversation. `kind` `direct` has exactly two members, `createdBy` and `directPeerId`, both
 * made by the server when the conversation is pushed; `group` starts with `createdBy` as its admin.
 * `titleCiphertext` is an envelope only members can open. kind, createdBy and directPeerId never
 * change; only admins change the title or delete the conversation.
 */
export const conversationsSchema = {
  title: 'conversations',
  version: 1,
  primaryKey: 'id',
  type: 'object',
  additionalProperties: false,
  properties: {
    id: uuid,
    kind: { type: 'string', enum: ['direct', 'group'] },
    titleCiphertext: { ...base64(MAX_TITLE_BASE64), type: ['string', 'null'] },
    createdBy: uuid,
    directPeerId: { ...uuid, type: ['string', 'null'] },
    /**
     * Set by the server: when the title last changed (null before it had one). A title sealed by a
     * device revoked since opens if it was set before the revocation (docs/crypto.md).
     */
    titleChangedAt: nullableIsoTime,
    rev,
  },
  required: ['id', 'kind', 'titleCiphertext', 'createdBy', 'directPeerId'],
} as const;
