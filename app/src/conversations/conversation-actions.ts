import type { ClientCrypto } from '../crypto/client-crypto.ts';
import type { AppDatabase } from '../database/app-database.ts';

export class ConversationError extends Error {
  override readonly name = 'ConversationError';
  constructor(
    readonly code: 'INVALID_USER_ID' | 'SELF' | 'NOT_FOUND' | 'EMPTY_TITLE' | 'NO_KEY',
    message: string,
  ) {
    super(message);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Creating conversations and changing membership, as local writes that replication delivers. A
 * new conversation gets its first epoch key at once, so its creator can write offline; a removal
 * starts a new epoch, so the removed member cannot read what follows.
 */
export function createConversationActions(
  database: AppDatabase,
  crypto: ClientCrypto,
  selfUserId: string,
) {
  function memberId(conversationId: string, userId: string): string {
    return `${conversationId}|${userId}`;
  }

  async function currentMemberIds(conversationId: string): Promise<string[]> {
    const rows = await database.members
      .find({ selector: { conversationId, removed: false } })
      .exec();
    return rows.map((row) => row.userId);
  }

  return {
    /**
     * The direct conversation with this user: the existing one both are still in, or a new one (a
     * conversation one of them left, by declining or blocking, is over).
     */
    async openDirect(peerUserId: string): Promise<string> {
      const peer = peerUserId.trim().toLowerCase();
      if (!UUID.test(peer)) throw new ConversationError('INVALID_USER_ID', 'not a user ID');
      if (peer === selfUserId) throw new ConversationError('SELF', 'that is your own ID');
      const existing = await database.conversations
        .find({
          selector: {
            kind: 'direct',
            $or: [
              { createdBy: selfUserId, directPeerId: peer },
              { createdBy: peer, directPeerId: selfUserId },
            ],
          },
        })
        .exec();
      const left = await database.members
        .find({
          selector: {
            conversationId: { $in: existing.map((conversation) => conversation.id) },
            removed: true,
          },
        })
        .exec();
      const over = new Set(left.map((member) => member.conversationId));
      const ongoing = existing.find((conversation) => !over.has(conversation.id));
      if (ongoing !== undefined) return ongoing.id;
      const id = crypto.randomId();
      await database.conversations.insert({
        id,
        kind: 'direct',
        titleCiphertext: null,
        createdBy: selfUserId,
        directPeerId: peer,
      });
      await database.keyEnvelopes.bulkInsert(await crypto.startEpoch(id, [selfUserId, peer]));
      return id;
    },

    async createGroup(title: string, memberUserIds: string[]): Promise<string> {
      const trimmed = title.trim();
      if (trimmed === '') throw new ConversationError('EMPTY_TITLE', 'a group needs a title');
      const others = [...new Set(memberUserIds.map((id) => id.trim().toLowerCase()))].filter(
        (id) => id !== selfUserId,
      );
      for (const id of others) {
        if (!UUID.test(id)) throw new ConversationError('INVALID_USER_ID', `not a user ID: ${id}`);
      }
      const id = crypto.randomId();
      const envelopes = await crypto.startEpoch(id, [selfUserId, ...others]);
      await database.conversations.insert({
        id,
        kind: 'group',
        titleCiphertext: await crypto.sealTitle(id, trimmed),
        createdBy: selfUserId,
        directPeerId: null,
      });
      await database.members.bulkInsert(
        others.map((userId) => ({
          id: memberId(id, userId),
          conversationId: id,
          userId,
          role: 'member' as const,
          removed: false,
          // The server decides: accepted if they know you, else a request.
          accepted: false,
        })),
      );
      await database.keyEnvelopes.bulkInsert(envelopes);
      return id;
    },

    /** A group's new title, sealed like the first one so only members read it. Admins only. */
    async renameGroup(conversationId: string, title: string): Promise<void> {
      const trimmed = title.trim();
      if (trimmed === '') throw new ConversationError('EMPTY_TITLE', 'a group needs a title');
      const conversation = await database.conversations.findOne(conversationId).exec();
      if (conversation === null || conversation.kind !== 'group') {
        throw new ConversationError('NOT_FOUND', 'no such group');
      }
      const titleCiphertext = await crypto.sealTitle(conversationId, trimmed);
      if (titleCiphertext === null) {
        throw new ConversationError('NO_KEY', 'this device has no key for the group yet');
      }
      await conversation.incrementalPatch({ titleCiphertext });
    },

    /** Makes a member an admin or a plain member again. Admins only (the server checks). */
    async setRole(conversationId: string, userId: string, role: 'admin' | 'member'): Promise<void> {
      const row = await database.members.findOne(memberId(conversationId, userId)).exec();
      if (row === null || row.removed) throw new ConversationError('NOT_FOUND', 'not a member');
      if (row.role !== role) await row.incrementalPatch({ role });
    },

    async addMember(conversationId: string, userId: string): Promise<void> {
      const user = userId.trim().toLowerCase();
      if (!UUID.test(user)) throw new ConversationError('INVALID_USER_ID', 'not a user ID');
      await database.members.upsert({
        id: memberId(conversationId, user),
        conversationId,
        userId: user,
        role: 'member',
        removed: false,
        accepted: false,
      });
    },

    /** Removes a member and starts a new epoch for the ones who stay. */
    async removeMember(conversationId: string, userId: string): Promise<void> {
      const row = await database.members.findOne(memberId(conversationId, userId)).exec();
      if (row === null) throw new ConversationError('NOT_FOUND', 'not a member');
      await row.incrementalPatch({ removed: true });
      crypto.invalidate([conversationId]);
      const remaining = (await currentMemberIds(conversationId)).filter((id) => id !== userId);
      await database.keyEnvelopes.bulkInsert(await crypto.startEpoch(conversationId, remaining));
    },

    async leave(conversationId: string): Promise<void> {
      const row = await database.members.findOne(memberId(conversationId, selfUserId)).exec();
      await row?.incrementalPatch({ removed: true });
    },
  };
}

export type ConversationActions = ReturnType<typeof createConversationActions>;
