import type { CollectionName } from '@anochat/schemas/rxdb/sync';
import { pushBlocks } from './blocks.ts';
import { pushConversations } from './conversations.ts';
import { pushKeyArchive } from './key-archive.ts';
import { pushKeyEnvelopes } from './key-envelopes.ts';
import { pushMembers } from './members.ts';
import { pushMessages } from './messages.ts';
import { pushMutes } from './mutes.ts';
import { pushReceipts } from './receipts.ts';
import { type BatchHandler, reject } from './types.ts';

const readOnly: BatchHandler = async (_db, _author, rows) => ({
  outcomes: rows.map(() => reject('READ_ONLY', 'this collection changes over the HTTP API only')),
  notifications: [],
});

export const PUSH_HANDLERS: Record<CollectionName, BatchHandler> = {
  users: readOnly,
  devices: readOnly,
  conversations: pushConversations,
  members: pushMembers,
  messages: pushMessages,
  receipts: pushReceipts,
  keyEnvelopes: pushKeyEnvelopes,
  keyArchive: pushKeyArchive,
  blocks: pushBlocks,
  mutes: pushMutes,
};
