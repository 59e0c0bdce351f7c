import type { Readable } from 'node:stream';
import type { DataStore } from '@tus/utils';

/**
 * Where encrypted attachment blobs live. One interface for every backend: tus writes through
 * `dataStore` (resumable, offset = bytes on the backend), downloads read ranges, the collector
 * removes. The directory store (directory-blob-store.ts) is the default; an S3-compatible backend
 * would wrap `@tus/s3-store` the same way (sync-server/README.md, "Attachments").
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
