import { ATTACHMENT_ROUTES } from '@anochat/schemas/api/attachments';
import { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import { authOf } from '../auth/require-auth.ts';
import type { Pool } from '../database/pool.ts';
import { AppError } from '../errors/app-error.ts';
import { contextOf } from '../http/request-context.ts';
import type { RateLimiter } from '../rate-limit/rate-limiter.ts';
import type { AttachmentLimits } from './attachment-limits.ts';
import { findBlobRecord, isCurrentMember, isMessageDeleted } from './attachment-repository.ts';
import type { BlobStore } from './blob-store.ts';
import { parseRange } from './byte-range.ts';

const blobId = z.uuid();

/**
 * Downloads of complete blobs, whole or by HTTP range (a client resumes a cut download from the
 * bytes it has). Only current members of the blob's conversation, on an active device, get it;
 * everyone else, like a blob still uploading or whose message was deleted for everyone, gets 404,
 * so the answer never tells an outsider that a blob exists.
 */
export function downloadRoutes(deps: {
  pool: Pool;
  store: BlobStore;
  limits: AttachmentLimits;
  rateLimiter: RateLimiter;
  authenticated: RequestHandler;
}): Router {
  const { pool, store } = deps;
  const router = Router();
  router.get(`${ATTACHMENT_ROUTES.blobs}/:id`, deps.authenticated, async (request, response) => {
    const { userId } = authOf(response);
    const id = blobId.safeParse(request.params.id);
    if (!id.success) throw new AppError('NOT_FOUND', 'no such attachment');
    const blob = await findBlobRecord(pool, id.data);
    if (
      blob === null ||
      !blob.completed ||
      !(await isCurrentMember(pool, blob.conversationId, userId)) ||
      (await isMessageDeleted(pool, blob.messageId))
    ) {
      throw new AppError('NOT_FOUND', 'no such attachment');
    }
    await deps.rateLimiter.consume([
      { key: `attachment-download:${userId}`, max: deps.limits.downloadsPerWindow },
    ]);
    const range = parseRange(request.get('range'), blob.size);
    if (range === 'unsatisfiable') {
      throw new AppError('RANGE_NOT_SATISFIABLE', `the blob has ${blob.size} bytes`, {
        'Content-Range': `bytes */${blob.size}`,
      });
    }
    const { start, end } = range ?? { start: 0, end: blob.size - 1 };
    response.status(range === null ? 200 : 206);
    response.set({
      'Content-Type': 'application/octet-stream',
      'Accept-Ranges': 'bytes',
      'Content-Length': String(Math.max(0, end - start + 1)),
      'Cache-Control': 'private, no-store',
      ...(range === null ? {} : { 'Content-Range': `bytes ${start}-${end}/${blob.size}` }),
    });
    if (blob.size === 0) {
      response.end();
      return;
    }
    const body = store.read(blob.id, start, end);
    body.on('error', (error) => {
      contextOf(response).log.error({ err: error }, 'attachment read failed');
      response.destroy();
    });
    body.pipe(response);
  });
  return router;
}
