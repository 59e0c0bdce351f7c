import type { Readable } from 'node:stream';
import type { DataStore } from '@tus/utils';

/** A blob's id: the UUID the upload route chose (names of files and keys in every backend). */
export const BLOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Where encrypted attachment blobs live. One interface for every backend: tus writes through
 * `dataStore` (resumable, offset = bytes on the backend), downloads read ranges, the collector
 * removes. The directory store (directory-blob-store.ts) is the default, the S3-compatible one
 * (s3-blob-store.ts, over `@tus/s3-store`) is chosen with ATTACHMENTS_STORE=s3
 * (sync-server/README.md, "Attachments"); test/attachment-blob-stores.test.ts holds both to the
 * same contract.
 */
export interface BlobStore {
  readonly dataStore: DataStore;
  /** Bytes `start..end` (inclusive) of a complete blob. */
  read(id: string, start: number, end: number): Readable;
  /** Removes a blob, complete or not, and what the store keeps about it; no error when absent. */
  remove(id: string): Promise<void>;
  /** Ids of every blob the store holds, complete or not. */
  list(): Promise<string[]>;
}
