import { Dexie, type DexieOptions, type EntityTable } from 'dexie';

/** An attachment waiting to be uploaded and sent (it survives reloads and stays while offline). */
export interface OutboxItem {
  /** The id its message will have (UUID v7, reserved when the file was chosen). */
  messageId: string;
  conversationId: string;
  fileName: string;
  mime: string;
  size: number;
  caption: string;
  /** The encrypted blob, as it is uploaded. */
  blob: Blob;
  key: Uint8Array;
  header: Uint8Array;
  contentHash: Uint8Array;
  width?: number;
  height?: number;
  durationMs?: number;
  preview?: Uint8Array;
  /** The tus upload once the server created it: resuming asks it for its offset. */
  uploadUrl: string | null;
  createdAt: number;
}

/** A downloaded, decrypted file kept for offline viewing (evicted, least recently used first). */
export interface CachedFile {
  blobId: string;
  file: Blob;
  size: number;
  usedAt: number;
}

export type AttachmentStore = Dexie & {
  outbox: EntityTable<OutboxItem, 'messageId'>;
  files: EntityTable<CachedFile, 'blobId'>;
};

/**
 * The device's own attachment data in IndexedDB, beside the RxDB database: blobs are too large
 * for documents, and none of this is replicated. Deleted with the account's data at sign-out,
 * unless files in the outbox were never sent: then they are kept until the person decides
 * (session/session-end.ts).
 */
export function openAttachmentStore(
  name = 'anochat-attachments',
  options?: DexieOptions,
): AttachmentStore {
  const db = new Dexie(name, options) as AttachmentStore;
  db.version(1).stores({ outbox: 'messageId, createdAt', files: 'blobId, usedAt' });
  return db;
}
