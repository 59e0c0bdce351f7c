import type { SyncNacl } from '@anochat/crypto-native';
import {
  type SealedAttachment,
  startAttachmentDecryption,
  startAttachmentEncryption,
} from '@anochat/protocol';

/** What a Blob is made of (the DOM's BlobPart, named without the DOM library). */
type BlobParts = NonNullable<ConstructorParameters<typeof Blob>[0]>;

/** Bytes read from a file per step: large enough to be quick, small enough to stay responsive. */
const READ_STEP = 1024 * 1024;

export class AttachmentCryptoError extends Error {
  override readonly name = 'AttachmentCryptoError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const asBlobPart = (bytes: Uint8Array) => bytes as Uint8Array<ArrayBuffer>;

/**
 * Encrypts a file on the device (docs/crypto.md, "Attachments"), a slice at a time, into the blob
 * that is uploaded. Throws `UNSUPPORTED` on the tweetnacl fallback (no secretstream).
 */
export async function encryptFile(
  nacl: SyncNacl,
  file: Blob,
  onProgress?: (done: number, total: number) => void,
): Promise<{ blob: Blob; sealed: SealedAttachment }> {
  const started = startAttachmentEncryption(nacl);
  if (!started.ok) throw new AttachmentCryptoError(started.error.code, started.error.message);
  const parts: BlobParts = [];
  for (let offset = 0; offset < file.size; offset += READ_STEP) {
    const slice = new Uint8Array(await file.slice(offset, offset + READ_STEP).arrayBuffer());
    for (const chunk of started.value.push(slice)) parts.push(asBlobPart(chunk));
    onProgress?.(Math.min(file.size, offset + READ_STEP), file.size);
  }
  const last = started.value.finish();
  for (const chunk of last.chunks) parts.push(asBlobPart(chunk));
  return { blob: new Blob(parts), sealed: last.sealed };
}

/**
 * Decrypts a downloaded blob; the file is handed out only once every chunk, the end and the hash
 * checked (a truncated or altered blob is never shown).
 */
export async function decryptBlob(
  nacl: SyncNacl,
  sealed: SealedAttachment,
  blob: Blob,
  mime: string,
): Promise<Blob> {
  const started = startAttachmentDecryption(nacl, sealed);
  if (!started.ok) throw new AttachmentCryptoError(started.error.code, started.error.message);
  const parts: BlobParts = [];
  for (let offset = 0; offset < blob.size; offset += READ_STEP) {
    const slice = new Uint8Array(await blob.slice(offset, offset + READ_STEP).arrayBuffer());
    const opened = started.value.push(slice);
    if (!opened.ok) throw new AttachmentCryptoError(opened.error.code, opened.error.message);
    for (const chunk of opened.value) parts.push(asBlobPart(chunk));
  }
  const rest = started.value.finish();
  if (!rest.ok) throw new AttachmentCryptoError(rest.error.code, rest.error.message);
  for (const chunk of rest.value) parts.push(asBlobPart(chunk));
  return new Blob(parts, { type: mime });
}
