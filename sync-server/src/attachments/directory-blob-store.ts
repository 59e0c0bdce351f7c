import { createReadStream } from 'node:fs';
import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { FileStore } from '@tus/file-store';
import { BLOB_ID, type BlobStore } from './blob-store.ts';

/**
 * Blobs as files in one directory (`DATA_DIR/attachments`): `<id>` holds the encrypted bytes
 * received so far, `<id>.json` tus's record of the upload (declared length, binding metadata).
 * Several instances may share the directory on one volume: tus finds an upload's offset from the
 * file itself, so any instance can resume it.
 */
export async function createDirectoryBlobStore(directory: string): Promise<BlobStore> {
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const dataStore = new FileStore({ directory });
  return {
    dataStore,
    read(id, start, end) {
      if (!BLOB_ID.test(id)) throw new Error('not a blob id');
      return createReadStream(join(directory, id), { start, end });
    },
    async remove(id) {
      if (!BLOB_ID.test(id)) throw new Error('not a blob id');
      // Either may be gone already (another instance's collector, a creation that never reached
      // the disk): removing is idempotent.
      for (const name of [id, `${id}.json`]) {
        await unlink(join(directory, name)).catch((error: unknown) => {
          if ((error as { code?: unknown })?.code !== 'ENOENT') throw error;
        });
      }
    },
    async list() {
      const names = await readdir(directory);
      return names.filter((name) => BLOB_ID.test(name));
    },
  };
}
