import { utf8 } from './bytes.ts';

/**
 * Domain-separation contexts. Each signature, derivation and hash names its purpose first, so bytes
 * signed or hashed for one purpose can never be accepted for another.
 */
export const CONTEXT = {
  deviceCertificate: 'anochat/v1/device-cert',
  deviceRevocation: 'anochat/v1/device-revoke',
  message: 'anochat/v1/message',
  keyEnvelope: 'anochat/v1/key-envelope',
  passwordSalt: 'anochat/v1/salt',
  authSecret: 'anochat/v1/auth-secret',
  backupKey: 'anochat/v1/backup-key',
  recoveryCheck: 'anochat/v1/recovery-check',
  recoveryAuthSecret: 'anochat/v1/recovery-auth-secret',
  recoveryBackupKey: 'anochat/v1/recovery-backup-key',
  safetyNumber: 'anochat/v1/safety-number',
} as const;

const encodedContexts = new Map<string, Uint8Array>();

/** Contexts are few and fixed: encode each once (this runs for every message sealed or opened). */
function contextBytesOf(context: string): Uint8Array {
  let bytes = encodedContexts.get(context);
  if (bytes === undefined) {
    bytes = utf8(context);
    encodedContexts.set(context, bytes);
  }
  return bytes;
}

/**
 * The bytes a signature covers: the context, then every field, each preceded by its length as a
 * 4-byte big-endian integer. Length prefixes make the encoding injective: no two different field
 * lists give the same bytes, whatever the fields contain.
 */
export function canonicalBytes(context: string, fields: readonly Uint8Array[]): Uint8Array {
  const contextBytes = contextBytesOf(context);
  let length = 4 + contextBytes.length;
  for (const field of fields) length += 4 + field.length;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const part of [contextBytes, ...fields]) {
    view.setUint32(offset, part.length);
    out.set(part, offset + 4);
    offset += 4 + part.length;
  }
  return out;
}
