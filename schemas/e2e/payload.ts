import { z } from 'zod';
import { UUID_PATTERN } from '../rxdb/common.ts';
import {
  MAX_ATTACHMENT_BYTES,
  MAX_EMOJI_BYTES,
  MAX_FILE_NAME_BYTES,
  MAX_MEDIA_DURATION_MS,
  MAX_MEDIA_SIDE,
  MAX_MIME_LENGTH,
  MAX_PREVIEW_BYTES,
  MAX_TEXT_BYTES,
} from './limits.ts';

/**
 * What a message envelope carries inside its ciphertext: only the members' devices ever see it.
 * crypto-native/protocol/payload-codec.ts encodes it compactly in binary; this is the one definition
 * of its shape and limits.
 */

const utf8 = new TextEncoder();
const utf8Bytes = (text: string) => utf8.encode(text).length;

/** A message id as the replicated collections spell it (lower-case UUID). */
export const messageId = z.string().regex(new RegExp(UUID_PATTERN), 'must be a lower-case UUID');

const text = z
  .string()
  .refine((value) => utf8Bytes(value) <= MAX_TEXT_BYTES, `must be at most ${MAX_TEXT_BYTES} bytes`);

const bytesOfLength = (length: number) =>
  z
    .instanceof(Uint8Array)
    .refine((value) => value.length === length, `must be exactly ${length} bytes`);

export const textPayload = z.strictObject({
  type: z.literal('text'),
  text,
  replyTo: messageId.optional(),
});

/** Replaces the text of an earlier message of the same sender. */
export const editPayload = z.strictObject({
  type: z.literal('edit'),
  messageId,
  text,
});

/** Adds (`on: true`) or withdraws (`on: false`) the sender's reaction to a message. */
export const reactionPayload = z.strictObject({
  type: z.literal('reaction'),
  messageId,
  emoji: z
    .string()
    .min(1)
    .refine(
      (value) => utf8Bytes(value) <= MAX_EMOJI_BYTES,
      `must be at most ${MAX_EMOJI_BYTES} bytes`,
    ),
  on: z.boolean(),
});

/** Deletes an earlier message of the same sender for everyone. */
export const deletionPayload = z.strictObject({
  type: z.literal('deletion'),
  messageId,
});

const mediaSide = z.number().int().min(1).max(MAX_MEDIA_SIDE);

/**
 * A file encrypted with secretstream (XChaCha20-Poly1305) under its own random key, in chunks of
 * ATTACHMENT_CHUNK_BYTES; the encrypted file travels separately, as the server's blob `blobId`.
 * `contentHash` is the chained BLAKE2b-256 of the encrypted chunks (docs/crypto.md), so the receiver
 * can check the blob as it streams in. Everything here rides inside the sealed envelope: the server
 * sees only the blob's size. `preview` is a tiny JPEG or WebP shown before the file is downloaded.
 */
export const attachmentPayload = z
  .strictObject({
    type: z.literal('attachment'),
    fileName: z
      .string()
      .min(1)
      .refine(
        (value) => utf8Bytes(value) <= MAX_FILE_NAME_BYTES,
        `must be at most ${MAX_FILE_NAME_BYTES} bytes`,
      ),
    mime: z
      .string()
      .max(MAX_MIME_LENGTH)
      .regex(/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/i, 'must be a MIME type like image/jpeg'),
    size: z.number().int().min(0).max(MAX_ATTACHMENT_BYTES),
    key: bytesOfLength(32),
    header: bytesOfLength(24),
    contentHash: bytesOfLength(32),
    blobId: messageId,
    width: mediaSide.optional(),
    height: mediaSide.optional(),
    durationMs: z.number().int().min(0).max(MAX_MEDIA_DURATION_MS).optional(),
    preview: z
      .instanceof(Uint8Array)
      .refine(
        (value) => value.length >= 1 && value.length <= MAX_PREVIEW_BYTES,
        `must be 1..${MAX_PREVIEW_BYTES} bytes`,
      )
      .optional(),
    caption: text.optional(),
  })
  .refine(
    (value) => (value.width === undefined) === (value.height === undefined),
    'width and height come together',
  );

export const messagePayload = z.discriminatedUnion('type', [
  textPayload,
  editPayload,
  reactionPayload,
  deletionPayload,
  attachmentPayload,
]);

export type TextPayload = z.infer<typeof textPayload>;
export type EditPayload = z.infer<typeof editPayload>;
export type ReactionPayload = z.infer<typeof reactionPayload>;
export type DeletionPayload = z.infer<typeof deletionPayload>;
export type AttachmentPayload = z.infer<typeof attachmentPayload>;
export type MessagePayload = z.infer<typeof messagePayload>;
export type MessagePayloadType = MessagePayload['type'];
