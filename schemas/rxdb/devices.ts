import { base64, nullableIsoTime, rev, uuid } from './common.ts';

/**
 * Public keys of your devices and of the devices of everyone you share a conversation with.
 * Read-only (devices are created by login and revoked over HTTP). `name` is null for other users'
 * devices. A revoked device stays, with `revokedAt`, so peers stop encrypting to it.
 */
export const devicesSchema = {
  title: 'devices',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  additionalProperties: false,
  properties: {
    id: uuid,
    userId: uuid,
    name: { type: ['string', 'null'], maxLength: 64 },
    boxPublicKey: base64(44),
    signPublicKey: base64(44),
    revokedAt: nullableIsoTime,
    rev,
  },
  required: ['id', 'userId', 'name', 'boxPublicKey', 'signPublicKey', 'revokedAt'],
} as const;
