import { MAX_ENVELOPE_BYTES } from '../rxdb/common.ts';

/** Version byte of every end-to-end binary format defined in crypto-native/protocol. */
export const E2E_FORMAT_VERSION = 1;

/** Largest message envelope, in bytes before base64: what the messages collection stores. */
export const MAX_MESSAGE_ENVELOPE_BYTES = MAX_ENVELOPE_BYTES;

/** Largest text of a message or an edit, in UTF-8 bytes; fits one envelope with room to spare. */
export const MAX_TEXT_BYTES = 32 * 1024;
/** Largest reaction (one emoji, possibly a long ZWJ sequence), in UTF-8 bytes. */
export const MAX_EMOJI_BYTES = 64;
/** Largest attachment file name, in UTF-8 bytes (the usual file system limit). */
export const MAX_FILE_NAME_BYTES = 255;
/** Largest MIME type, in characters (RFC 6838: 127 per part). */
export const MAX_MIME_LENGTH = 255;
/** Largest attachment, in bytes (a JavaScript safe integer; transfer limits are the server's). */
export const MAX_ATTACHMENT_BYTES = Number.MAX_SAFE_INTEGER;
/** Plaintext bytes per secretstream chunk of an attachment; only the last chunk may be shorter. */
export const ATTACHMENT_CHUNK_BYTES = 64 * 1024;
/** Bytes secretstream adds to each chunk (tag 1 + MAC 16). */
export const ATTACHMENT_CHUNK_OVERHEAD = 17;
/** Largest preview (a tiny JPEG or WebP) carried inside the message envelope. */
export const MAX_PREVIEW_BYTES = 8 * 1024;
/** Largest image or video side, in pixels, a descriptor may state. */
export const MAX_MEDIA_SIDE = 65_535;
/** Longest duration a descriptor may state: 100 hours, in milliseconds. */
export const MAX_MEDIA_DURATION_MS = 100 * 3600 * 1000;

/** Conversation epochs are PostgreSQL integers (keyEnvelopes.epoch). */
export const MAX_EPOCH = 2_147_483_647;

/** A new epoch after this many messages in one epoch, or after EPOCH_MAX_AGE_MS. */
export const EPOCH_MAX_MESSAGES = 1000;
export const EPOCH_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;

/** Argon2id cost of the password derivation (libsodium crypto_pwhash, ALG_ARGON2ID13, 1 lane). */
export const PASSWORD_ARGON2ID = { opsLimit: 3, memLimitBytes: 64 * 1024 * 1024 } as const;
