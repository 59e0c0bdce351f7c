/**
 * Collections that exist only in this browser (never replicated). Their shapes are the app's own
 * read models, not copies of a server shape: the server's documents come from schemas/rxdb.
 */

/**
 * A message as the UI shows it: the envelope of `messages` opened by crypto/, so that the list,
 * the previews, unread counts and search read plaintext from the local database without opening
 * every envelope again. `sourceRev` is the RxDB revision of the message it was made from.
 */
export const messageViewsSchema = {
  title: 'messageViews',
  version: 2,
  primaryKey: 'id',
  type: 'object',
  additionalProperties: false,
  properties: {
    id: { type: 'string', maxLength: 36 },
    conversationId: { type: 'string', maxLength: 36 },
    senderUserId: { type: ['string', 'null'], maxLength: 36 },
    senderDeviceId: { type: 'string', maxLength: 36 },
    /** createdAt (the server's once it has the message) then the id: one total order. */
    sortKey: { type: 'string', maxLength: 80 },
    /**
     * sortKey with every character mirrored, so it sorts newest first: IndexedDB cursors (RxDB's
     * Dexie storage) only walk an index forwards, and a descending sort would read the whole
     * conversation to find its newest rows.
     */
    newestFirstKey: { type: 'string', maxLength: 80 },
    createdAt: { type: 'string', maxLength: 40 },
    editedAt: { type: ['string', 'null'], maxLength: 40 },
    kind: { type: 'string', enum: ['text', 'reaction', 'deleted', 'unreadable'] },
    text: { type: 'string' },
    replyTo: { type: ['string', 'null'], maxLength: 36 },
    /** reaction: the message it reacts to, and the emoji. */
    target: { type: ['string', 'null'], maxLength: 36 },
    emoji: { type: ['string', 'null'], maxLength: 16 },
    /** The server has stored it (it came back with a revision). */
    synced: { type: 'boolean' },
    sourceRev: { type: 'string', maxLength: 64 },
    /**
     * The epoch the message was sealed under, once opened (NO_EPOCH if deleted or unreadable):
     * how many messages an epoch key has sealed decides when to start the next one.
     */
    epoch: { type: 'integer', minimum: -1, maximum: 2_147_483_647, multipleOf: 1 },
    /**
     * An attachment's descriptor (docs/crypto.md, "Attachments"; binary fields in base64), or
     * null. Its caption is `text`.
     */
    attachment: {
      type: ['object', 'null'],
      additionalProperties: false,
      properties: {
        blobId: { type: 'string', maxLength: 36 },
        fileName: { type: 'string' },
        mime: { type: 'string' },
        size: { type: 'number', minimum: 0 },
        key: { type: 'string' },
        header: { type: 'string' },
        contentHash: { type: 'string' },
        width: { type: 'integer', minimum: 1 },
        height: { type: 'integer', minimum: 1 },
        durationMs: { type: 'integer', minimum: 0 },
        preview: { type: 'string' },
      },
      required: ['blobId', 'fileName', 'mime', 'size', 'key', 'header', 'contentHash'],
    },
  },
  required: [
    'id',
    'conversationId',
    'senderUserId',
    'senderDeviceId',
    'sortKey',
    'newestFirstKey',
    'createdAt',
    'editedAt',
    'kind',
    'text',
    'replyTo',
    'target',
    'emoji',
    'synced',
    'sourceRev',
    'epoch',
  ],
  indexes: [
    ['conversationId', 'sortKey'],
    ['conversationId', 'newestFirstKey'],
    ['conversationId', 'epoch'],
  ],
} as const;

/** A message view's epoch when the message was not opened (deleted, or unreadable here). */
export const NO_EPOCH = -1;

/** A pushed row the server refused (docs/protocol.md, push `rejected`): shown, never dropped. */
export const failuresSchema = {
  title: 'failures',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  additionalProperties: false,
  properties: {
    id: { type: 'string', maxLength: 80 },
    /** The replicated collection of the row (not `collection`: RxDB documents reserve that name). */
    sourceCollection: { type: 'string', maxLength: 32 },
    conversationId: { type: ['string', 'null'], maxLength: 36 },
    code: { type: 'string', maxLength: 40 },
    message: { type: 'string' },
    at: { type: 'string', maxLength: 40 },
  },
  required: ['id', 'sourceCollection', 'conversationId', 'code', 'message', 'at'],
} as const;
