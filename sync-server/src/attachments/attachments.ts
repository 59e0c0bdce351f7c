import { join } from 'node:path';
import type { RequestHandler, Router } from 'express';
import type { Pool } from '../database/pool.ts';
import type { Logger } from '../logging/logger.ts';
import type { RateLimiter } from '../rate-limit/rate-limiter.ts';
import { collectAttachmentGarbage } from './attachment-gc.ts';
import type { AttachmentLimits } from './attachment-limits.ts';
import { attachmentStoreId } from './attachment-repository.ts';
import { createDirectoryBlobStore } from './directory-blob-store.ts';
import { downloadRoutes } from './download-routes.ts';
import { createS3BlobStore } from './s3-blob-store.ts';
import { uploadRoutes } from './upload-routes.ts';

export interface Attachments {
  /** Mounted before the JSON body parser: tus bodies are raw bytes. */
  routers: Router[];
  /** Stops the periodic collection. */
  stop(): void;
}

/** The attachments domain wired together: the blob store, upload and download routes, the collector. */
export async function createAttachments(deps: {
  pool: Pool;
  limits: AttachmentLimits;
  rateLimiter: RateLimiter;
  authenticated: RequestHandler;
  logger: Logger;
}): Promise<Attachments> {
  const storeId = await attachmentStoreId(deps.pool);
  const { storage } = deps.limits;
  const store =
    storage.kind === 's3'
      ? await createS3BlobStore(storage, storeId)
      : await createDirectoryBlobStore(join(deps.limits.directory, storeId));
  const routeDeps = { ...deps, store };
  const collect = () =>
    collectAttachmentGarbage(deps.pool, store, deps.limits)
      .then((collected) => {
        if (Object.values(collected).some((count) => count > 0))
          deps.logger.info(collected, 'attachments collected');
      })
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'attachment collection failed'));
  const timer = setInterval(collect, deps.limits.gcIntervalSeconds * 1000);
  timer.unref();
  return {
    routers: [uploadRoutes(routeDeps), downloadRoutes(routeDeps)],
    stop: () => clearInterval(timer),
  };
}
