/**
 * Building blocks of the RxDB schemas in this folder. Every schema is a plain JSON schema object
 * usable as-is by RxDB 17 (`addCollections({ messages: { schema: messagesSchema } })`) and by ajv on
 * the server (which ignores RxDB's own keywords: version, primaryKey, indexes).
 *
 * A wire document is the schema's fields plus `_deleted`. `rev` is the server's revision of the row
 * (a PostgreSQL xid8 as a decimal string); the server sets it, ignores it on push, and clients keep
 * it only to send it back inside `assumedMasterState`.
 */

/** Lower-case canonical UUID, as PostgreSQL prints it (ids are compared as strings). */
export const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
/**
 * A UUID version 7 (RFC 9562: 48-bit Unix milliseconds, version 7, variant 10): what a new message
 * id must be. Display order uses the id among the messages of one push, which share `rev` and
 * `createdAt`, so ids must grow in the order the device wrote them (docs/protocol.md).
 */
export const UUID_V7_PATTERN =
  '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$';
/** `<conversationId>|<userId>`: the primary key of members and receipts. */
export const PAIR_ID_PATTERN =
  '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
/** Standard padded base64 (RFC 4648 section 4). */
export const BASE64_PATTERN = '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$';
/** A PostgreSQL xid8 in decimal: at most 20 digits. */
export const REV_PATTERN = '^(0|[1-9][0-9]{0,19})$';

/** Largest opaque envelope (message or key), in bytes before base64. */
export const MAX_ENVELOPE_BYTES = 64 * 1024;
export const MAX_ENVELOPE_BASE64 = 4 * Math.ceil(MAX_ENVELOPE_BYTES / 3);
/** Largest encrypted conversation title, in bytes before base64. */
export const MAX_TITLE_BYTES = 1024;
export const MAX_TITLE_BASE64 = 4 * Math.ceil(MAX_TITLE_BYTES / 3);

export const uuid = { type: 'string', maxLength: 36, pattern: UUID_PATTERN } as const;
export const pairId = { type: 'string', maxLength: 73, pattern: PAIR_ID_PATTERN } as const;
export const rev = { type: 'string', maxLength: 20, pattern: REV_PATTERN } as const;
export const isoTime = { type: 'string', maxLength: 40 } as const;
export const nullableIsoTime = { type: ['string', 'null'], maxLength: 40 } as const;
export const base64 = (maxLength: number) =>
  ({ type: 'string', minLength: 4, maxLength, pattern: BASE64_PATTERN }) as const;
/** A base64 value that may be absent (null), e.g. the keys of accounts made before end-to-end encryption. */
export const nullableBase64 = (maxLength: number) =>
  ({ type: ['string', 'null'], minLength: 4, maxLength, pattern: BASE64_PATTERN }) as const;

/** Largest signed statement (device certificate or revocation) or archive entry, before base64. */
export const MAX_STATEMENT_BYTES = 256;
export const MAX_STATEMENT_BASE64 = 4 * Math.ceil(MAX_STATEMENT_BYTES / 3);
