import {
  base64,
  MAX_STATEMENT_BASE64,
  nullableBase64,
  nullableIsoTime,
  rev,
  uuid,
} from './common.ts';

/**
 * Public keys of your devices and of the devices of everyone you share a conversation with.
 * Read-only (devices are created by login and revoked over HTTP). `name` is null for other users'
 * devices. A revoked device stays, with `revokedAt`, so peers stop encrypting to it.
 *
 * `certificate` and `revocation` are the user's identity key's signed statements about the device
 * (docs/crypto.md): clients trust a device only if its certificate verifies under the user's
 * `identityPublicKey` and no valid revocation names it, so the server cannot inject or revoke one.
 * `certificate` is null only for devices made before end-to-end encryption; `revocation` is null
 * unless the device was revoked with a signed statement.
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
    certificate: nullableBase64(MAX_STATEMENT_BASE64),
    revocation: nullableBase64(MAX_STATEMENT_BASE64),
    rev,
  },
  required: [
    'id',
    'userId',
    'name',
    'boxPublicKey',
    'signPublicKey',
    'revokedAt',
    'certificate',
    'revocation',
  ],
} as const;
