import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ATTACHMENT_ROUTES, attachmentUploadMetadata } from '@anochat/schemas/api/attachments';
import type { ApiErrorCode } from '@anochat/schemas/api/errors';
import { Server as TusServer } from '@tus/server';
import { Metadata } from '@tus/utils';
import { type Request, type RequestHandler, type Response, Router } from 'express';
import { z } from 'zod';
import { authOf } from '../auth/require-auth.ts';
import type { Pool } from '../database/pool.ts';
import { AppError } from '../errors/app-error.ts';
import type { RateLimiter } from '../rate-limit/rate-limiter.ts';
import type { AttachmentLimits } from './attachment-limits.ts';
import {
  createBlobRecord,
  deleteBlobRecord,
  findBlobRecord,
  isCurrentMember,
  markBlobComplete,
} from './attachment-repository.ts';
import type { BlobStore } from './blob-store.ts';

const UPLOADS = ATTACHMENT_ROUTES.uploads;
const blobId = z.uuid();
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

/** tus's own refusals (plain text) as the API's error body. */
const TUS_STATUS_CODES: Record<number, ApiErrorCode> = {
  400: 'VALIDATION_FAILED',
  403: 'VALIDATION_FAILED',
  404: 'NOT_FOUND',
  409: 'UPLOAD_CONFLICT',
  410: 'NOT_FOUND',
  412: 'VALIDATION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  460: 'VALIDATION_FAILED',
};

function errorBody(code: ApiErrorCode, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

/**
 * Resumable uploads of encrypted attachment blobs with the tus protocol (docs/protocol.md,
 * "Attachments"). Every check runs before tus sees the request, so a refused upload stores no byte:
 * the access token (requireAuth: the device is active), the binding (a conversation the user is a
 * current member of, a message id not bound yet), the declared length against the size limit and
 * the user's quota, and the creation rate. An upload belongs to the device that created it: any
 * other caller, and the creator once removed from the conversation, get 404.
 */
export function uploadRoutes(deps: {
  pool: Pool;
  store: BlobStore;
  limits: AttachmentLimits;
  rateLimiter: RateLimiter;
  authenticated: RequestHandler;
}): Router {
  const { pool, store, limits } = deps;
  // The id chosen by our checks, handed to tus's naming function through the Node request.
  const chosenIds = new WeakMap<IncomingMessage, string>();
  const nodeRequestOf = (request: unknown) =>
    (request as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;

  const tus = new TusServer({
    path: UPLOADS,
    datastore: store.dataStore,
    relativeLocation: true,
    maxSize: limits.maxBytes,
    namingFunction: (request) => {
      const id = chosenIds.get(nodeRequestOf(request) as IncomingMessage);
      if (id === undefined) throw new Error('tus creation without the route checks');
      return id;
    },
    onUploadFinish: async (_request, upload) => {
      await markBlobComplete(pool, upload.id);
      return {};
    },
    onResponseError: (_request, error) => {
      const status = 'status_code' in error ? error.status_code : 500;
      const code = TUS_STATUS_CODES[status] ?? 'INTERNAL';
      const message =
        code === 'INTERNAL' || !('body' in error) ? 'internal error' : error.body.trim();
      return { status_code: status, body: errorBody(code, message) };
    },
  });
  const handOver = (request: Request, response: Response) => tus.handle(request, response);

  /** The upload named in the path, if it is this device's and the user still a member. */
  const ownUpload: RequestHandler = async (request, response, next) => {
    const { userId, deviceId } = authOf(response);
    const id = blobId.safeParse(request.params.id);
    if (!id.success) throw new AppError('NOT_FOUND', 'no such upload');
    const blob = await findBlobRecord(pool, id.data);
    if (
      blob === null ||
      blob.deviceId !== deviceId ||
      !(await isCurrentMember(pool, blob.conversationId, userId))
    ) {
      throw new AppError('NOT_FOUND', 'no such upload');
    }
    next();
  };

  const router = Router();
  router.post(UPLOADS, deps.authenticated, async (request, response) => {
    const { userId, deviceId } = authOf(response);
    const length = request.get('upload-length');
    if (length === undefined || !DECIMAL.test(length))
      throw new AppError('VALIDATION_FAILED', 'Upload-Length: a decimal byte count is required');
    const size = Number(length);
    if (size > limits.maxBytes)
      throw new AppError('PAYLOAD_TOO_LARGE', `attachments are at most ${limits.maxBytes} bytes`);
    let metadata: Record<string, string | null>;
    try {
      metadata = Metadata.parse(request.get('upload-metadata') ?? '');
    } catch {
      throw new AppError('VALIDATION_FAILED', 'Upload-Metadata: not valid tus metadata');
    }
    const binding = attachmentUploadMetadata.safeParse(metadata);
    if (!binding.success)
      throw new AppError(
        'VALIDATION_FAILED',
        `Upload-Metadata: ${binding.error.issues.map((issue) => `${issue.path.join('.') || 'metadata'} ${issue.message}`).join('; ')}`,
      );
    const { conversationId, messageId } = binding.data;
    if (!(await isCurrentMember(pool, conversationId, userId)))
      throw new AppError('NOT_FOUND', 'no such conversation');
    // Counted once the request is well-formed and allowed: malformed ones spend no budget.
    await deps.rateLimiter.consume([
      { key: `attachment-upload:${userId}`, max: limits.uploadsPerWindow },
    ]);
    const id = randomUUID();
    const outcome = await createBlobRecord(
      pool,
      { id, userId, deviceId, conversationId, messageId, size },
      limits.quotaBytes,
    );
    if (!outcome.created && outcome.reason === 'quota')
      throw new AppError(
        'QUOTA_EXCEEDED',
        `the attachments quota of ${limits.quotaBytes} bytes would be exceeded (${outcome.heldBytes} held)`,
      );
    if (!outcome.created) {
      // A creation answered but not received: the same device finds its upload again.
      const headers: Record<string, string> =
        outcome.existing === null ? {} : { Location: `${UPLOADS}/${outcome.existing.id}` };
      throw new AppError('UPLOAD_CONFLICT', 'this message already has an attachment', headers);
    }
    chosenIds.set(request, id);
    await handOver(request, response);
  });
  router.head(`${UPLOADS}/:id`, deps.authenticated, ownUpload, handOver);
  router.patch(`${UPLOADS}/:id`, deps.authenticated, ownUpload, handOver);
  // Cancel: the bytes and the record go at once, and the quota is free again.
  router.delete(`${UPLOADS}/:id`, deps.authenticated, ownUpload, async (request, response) => {
    const id = request.params.id as string;
    await deleteBlobRecord(pool, id);
    await store.remove(id);
    response.status(204).set('Tus-Resumable', '1.0.0').end();
  });
  return router;
}
