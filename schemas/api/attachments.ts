import { z } from 'zod';

/**
 * Attachment uploads (tus 1.0.0 with the creation extension, docs/protocol.md "Attachments"). The
 * blob is already encrypted on the device; these are the only things the server learns about it.
 */

/** The upload's binding, sent as tus `Upload-Metadata` (each value base64 of its UTF-8 text). */
export const attachmentUploadMetadata = z.strictObject({
  /** A conversation the uploading user is a current member of. */
  conversationId: z.uuid(),
  /** The client-generated id of the message that will carry the descriptor: one blob per message. */
  messageId: z.uuid(),
});
export type AttachmentUploadMetadata = z.infer<typeof attachmentUploadMetadata>;

export const ATTACHMENT_ROUTES = {
  /** tus creation endpoint; an upload lives at `${uploads}/<blobId>`. */
  uploads: '/api/attachments/uploads',
  /** Download of a completed blob: `${blobs}/<blobId>`, with HTTP range requests. */
  blobs: '/api/attachments/blobs',
} as const;

/** tus protocol version the server speaks. */
export const TUS_VERSION = '1.0.0';

/**
 * Bytes per PATCH the app sends. Resuming never depends on it (the server keeps every byte that
 * arrived, and HEAD says how many); larger chunks spend fewer requests (each is authenticated and
 * checked against the membership) per file.
 */
export const UPLOAD_CHUNK_BYTES = 8 * 1024 * 1024;
