import { RXDB_SCHEMAS } from '@anochat/schemas/rxdb/sync';
import {
  addRxPlugin,
  createRxDatabase,
  type ExtractDocumentTypeFromTypedRxJsonSchema,
  type RxCollection,
  type RxDatabase,
  type RxStorage,
} from 'rxdb';
import { RxDBLocalDocumentsPlugin } from 'rxdb/plugins/local-documents';
import { RxDBMigrationSchemaPlugin } from 'rxdb/plugins/migration-schema';
import { getRxStorageDexie } from 'rxdb/plugins/storage-dexie';
import { localChangeWins, serverMergeWins } from './conflict-handler.ts';
import { failuresSchema, messageViewsSchema, NO_EPOCH } from './local-schemas.ts';
import { wrappedValidateJsonSchemaStorage } from './schema-validation.ts';

addRxPlugin(RxDBLocalDocumentsPlugin);
addRxPlugin(RxDBMigrationSchemaPlugin);

/**
 * Version 1 added server times that only the server sets (a member's `removedAt`, a key
 * envelope's `epochStartedAt`, a conversation's `titleChangedAt`): stored rows stay as they are.
 * A message view gained the epoch it was sealed under; views made before are counted in no epoch.
 */
const keepAsIs = { 1: (doc: unknown) => doc };

/**
 * Members version 2 added message requests: memberships stored before were in conversations the
 * server had already shown in full, so they are accepted; who invited them is not known here.
 */
const memberMigrations = {
  ...keepAsIs,
  2: (doc: Record<string, unknown>) => ({ ...doc, accepted: true, invitedBy: null }),
};

type Doc<Schema> = ExtractDocumentTypeFromTypedRxJsonSchema<Schema>;
export type UserDoc = Doc<typeof RXDB_SCHEMAS.users>;
export type DeviceDoc = Doc<typeof RXDB_SCHEMAS.devices>;
export type ConversationDoc = Doc<typeof RXDB_SCHEMAS.conversations>;
export type MemberDoc = Doc<typeof RXDB_SCHEMAS.members>;
export type MessageDoc = Doc<typeof RXDB_SCHEMAS.messages>;
export type ReceiptDoc = Doc<typeof RXDB_SCHEMAS.receipts>;
export type KeyEnvelopeDoc = Doc<typeof RXDB_SCHEMAS.keyEnvelopes>;
export type KeyArchiveDoc = Doc<typeof RXDB_SCHEMAS.keyArchive>;
export type BlockDoc = Doc<typeof RXDB_SCHEMAS.blocks>;
export type MuteDoc = Doc<typeof RXDB_SCHEMAS.mutes>;
export type MessageViewDoc = Doc<typeof messageViewsSchema>;
export type FailureDoc = Doc<typeof failuresSchema>;

export interface AppCollections {
  users: RxCollection<UserDoc>;
  devices: RxCollection<DeviceDoc>;
  conversations: RxCollection<ConversationDoc>;
  members: RxCollection<MemberDoc>;
  messages: RxCollection<MessageDoc>;
  receipts: RxCollection<ReceiptDoc>;
  keyEnvelopes: RxCollection<KeyEnvelopeDoc>;
  keyArchive: RxCollection<KeyArchiveDoc>;
  blocks: RxCollection<BlockDoc>;
  mutes: RxCollection<MuteDoc>;
  messageViews: RxCollection<MessageViewDoc>;
  failures: RxCollection<FailureDoc>;
}

export type AppDatabase = RxDatabase<AppCollections>;

/** One database per browser profile; logging out removes it. */
export const DATABASE_NAME = 'anochat';

/**
 * The local database: the replicated collections with the server's schemas (validated on
 * every write, so a bad document from anywhere is refused before it is stored) and the app's own
 * read models. Dexie (IndexedDB) in browsers; tests pass fake-indexeddb or memory storage.
 */
export async function openAppDatabase(
  options: { name?: string; storage?: RxStorage<unknown, unknown> } = {},
): Promise<AppDatabase> {
  const database = await createRxDatabase<AppCollections>({
    name: options.name ?? DATABASE_NAME,
    storage: wrappedValidateJsonSchemaStorage({ storage: options.storage ?? getRxStorageDexie() }),
    localDocuments: true,
    multiInstance: true,
  });
  await database.addCollections({
    users: { schema: RXDB_SCHEMAS.users },
    devices: { schema: RXDB_SCHEMAS.devices },
    conversations: {
      schema: RXDB_SCHEMAS.conversations,
      conflictHandler: localChangeWins('conversations'),
      migrationStrategies: keepAsIs,
    },
    members: {
      schema: RXDB_SCHEMAS.members,
      conflictHandler: localChangeWins('members'),
      migrationStrategies: memberMigrations,
    },
    messages: { schema: RXDB_SCHEMAS.messages, conflictHandler: localChangeWins('messages') },
    receipts: { schema: RXDB_SCHEMAS.receipts, conflictHandler: serverMergeWins('receipts') },
    keyEnvelopes: { schema: RXDB_SCHEMAS.keyEnvelopes, migrationStrategies: keepAsIs },
    keyArchive: { schema: RXDB_SCHEMAS.keyArchive },
    blocks: { schema: RXDB_SCHEMAS.blocks, conflictHandler: localChangeWins('blocks') },
    mutes: { schema: RXDB_SCHEMAS.mutes, conflictHandler: localChangeWins('mutes') },
    messageViews: {
      schema: messageViewsSchema,
      migrationStrategies: {
        1: (doc: MessageViewDoc) => ({ ...doc, epoch: NO_EPOCH }),
        // Attachments: views written before carry none (an old attachment showed as text).
        2: (doc: MessageViewDoc) => ({ ...doc, attachment: null }),
      },
    },
    failures: { schema: failuresSchema },
  });
  return database;
}
