import { combineLatest, map, type Observable } from 'rxjs';
import type {
  AppDatabase,
  BlockDoc,
  ConversationDoc,
  MemberDoc,
  UserDoc,
} from '../database/app-database.ts';

/**
 * A conversation someone else brought this user into, waiting for an answer (docs/protocol.md,
 * "Message requests and blocks"): until it is accepted the server shows none of its messages here
 * and none of this user's devices or presence there.
 */
export interface MessageRequest {
  conversationId: string;
  kind: 'direct' | 'group';
  /** Who asks: the maker of the membership. */
  fromUserId: string;
  fromName: string;
  fromUsername: string;
}

/** My memberships that wait for my answer: not accepted, not left. */
export function isUnanswered(membership: Pick<MemberDoc, 'accepted' | 'removed'>): boolean {
  return !membership.accepted && !membership.removed;
}

/**
 * The requests among my memberships, newest first (conversation ids are time-ordered). Someone I
 * block is not shown asking: the server drops their requests as I block them, and this hides them
 * at once, offline too.
 */
export function messageRequests(
  mine: readonly MemberDoc[],
  conversations: readonly ConversationDoc[],
  users: readonly UserDoc[],
  blocks: readonly BlockDoc[],
): MessageRequest[] {
  const byId = new Map(conversations.map((conversation) => [conversation.id, conversation]));
  const people = new Map(users.map((user) => [user.id, user]));
  const blocked = new Set(blocks.map((block) => block.blockedUserId));
  const requests: MessageRequest[] = [];
  for (const membership of mine) {
    const conversation = byId.get(membership.conversationId);
    if (conversation === undefined || !isUnanswered(membership)) continue;
    const fromUserId = membership.invitedBy ?? conversation.createdBy;
    if (blocked.has(fromUserId)) continue;
    const from = people.get(fromUserId);
    requests.push({
      conversationId: conversation.id,
      kind: conversation.kind,
      fromUserId,
      fromName: from?.displayName ?? 'Someone',
      fromUsername: from?.username ?? '',
    });
  }
  return requests.sort((a, b) => (a.conversationId < b.conversationId ? 1 : -1));
}

/** The live list of requests for this user. */
export function messageRequests$(
  database: AppDatabase,
  selfUserId: string,
): Observable<MessageRequest[]> {
  return combineLatest([
    database.members.find({ selector: { userId: selfUserId } }).$,
    database.conversations.find().$,
    database.users.find().$,
    database.blocks.find().$,
  ]).pipe(
    map(([mine, conversations, users, blocks]) =>
      messageRequests(
        mine.map((doc) => doc.toJSON() as MemberDoc),
        conversations.map((doc) => doc.toJSON() as ConversationDoc),
        users.map((doc) => doc.toJSON() as UserDoc),
        blocks.map((doc) => doc.toJSON() as BlockDoc),
      ),
    ),
  );
}

export class RequestError extends Error {
  override readonly name = 'RequestError';
  constructor(
    readonly code: 'NOT_A_REQUEST',
    message: string,
  ) {
    super(message);
  }
}

/** Answering requests: local writes of my own membership that replication delivers. */
export function createRequestActions(database: AppDatabase, selfUserId: string) {
  async function unanswered(conversationId: string) {
    const row = await database.members.findOne(`${conversationId}|${selfUserId}`).exec();
    if (row === null || !isUnanswered(row)) {
      throw new RequestError('NOT_A_REQUEST', 'there is no open request in this conversation');
    }
    return row;
  }

  return {
    /** Joins the conversation: its messages arrive, and its members see this user's devices. */
    async accept(conversationId: string): Promise<void> {
      await (await unanswered(conversationId)).incrementalPatch({ accepted: true });
    },

    /** Declines by leaving: nothing of the conversation reaches this user any more. */
    async decline(conversationId: string): Promise<void> {
      await (await unanswered(conversationId)).incrementalPatch({ removed: true });
    },
  };
}

export type RequestActions = ReturnType<typeof createRequestActions>;
