import type pg from 'pg';
import { DOCUMENT_SHAPES, type Row } from '../documents.ts';
import { CONVERSATION_DELETED, NOT_MEMBER, REQUEST_PENDING, type RowOutcome } from './types.ts';

/** One membership of a conversation. */
export interface Membership {
  role: 'admin' | 'member';
  active: boolean;
  /** The member agreed to be there (false: a message request). */
  accepted: boolean;
}

type MemberRow = { conversation_id: string; user_id: string; deleted?: boolean } & Membership;

/**
 * Everyone who is or was a member of these conversations, in one read: the author's rights and
 * the users to notify come from the same rows.
 */
export class ConversationMembers {
  private constructor(
    private readonly byConversation: Map<string, Map<string, Membership>>,
    private readonly deletedConversations: Set<string>,
  ) {}

  static async load(
    db: pg.PoolClient,
    conversationIds: readonly string[],
  ): Promise<ConversationMembers> {
    const unique = [...new Set(conversationIds)];
    if (unique.length === 0) return ConversationMembers.fromRows([]);
    const { rows } = await db.query<MemberRow>({
      name: 'push-conversation-members-accepted-deleted',
      text: `SELECT m.conversation_id, m.user_id, m.role, m.removed_at IS NULL AS active,
                    m.accepted_at IS NOT NULL AS accepted, c.deleted
               FROM members m JOIN conversations c ON c.id = m.conversation_id
              WHERE m.conversation_id = ANY($1::uuid[])`,
      values: [unique],
    });
    return ConversationMembers.fromRows(rows);
  }

  /** `deleted`, when the rows carry it, marks their conversation deleted. */
  static fromRows(rows: readonly MemberRow[]): ConversationMembers {
    const members = new ConversationMembers(new Map(), new Set());
    for (const row of rows) {
      members.set(row.conversation_id, row.user_id, {
        role: row.role,
        active: row.active,
        accepted: row.accepted,
      });
      if (row.deleted === true) members.deletedConversations.add(row.conversation_id);
    }
    return members;
  }

  of(conversationId: string, userId: string): Membership | undefined {
    return this.byConversation.get(conversationId)?.get(userId);
  }

  /** The conversation was deleted: nothing more is written into it. */
  isDeleted(conversationId: string): boolean {
    return this.deletedConversations.has(conversationId);
  }

  isActive(conversationId: string, userId: string): boolean {
    return this.of(conversationId, userId)?.active === true;
  }

  /** A current member who accepted: writes messages, receipts and keys. */
  takesPart(conversationId: string, userId: string): boolean {
    const membership = this.of(conversationId, userId);
    return membership?.active === true && membership.accepted;
  }

  /**
   * Why `userId` may not write inside the conversation (null when it may): not a current member,
   * a member who has not accepted the request yet, or a deleted conversation.
   */
  refusalFor(conversationId: string, userId: string): RowOutcome | null {
    const membership = this.of(conversationId, userId);
    if (membership?.active !== true) return NOT_MEMBER;
    if (this.isDeleted(conversationId)) return CONVERSATION_DELETED;
    return membership.accepted ? null : REQUEST_PENDING;
  }

  /** Records a change this batch makes, so later rows of the batch are decided against it. */
  set(conversationId: string, userId: string, membership: Membership): void {
    const members = this.byConversation.get(conversationId) ?? new Map<string, Membership>();
    this.byConversation.set(conversationId, members);
    members.set(userId, membership);
  }

  /** Every user who is or was a member of any of these conversations. */
  usersOf(conversationIds: Iterable<string>): string[] {
    const users = new Set<string>();
    for (const id of conversationIds) {
      for (const user of this.byConversation.get(id)?.keys() ?? []) users.add(user);
    }
    return [...users];
  }
}

/** Ids of the users among `userIds` that exist and are not deleted. */
export async function existingUsers(
  db: pg.PoolClient,
  userIds: readonly string[],
): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const { rows } = await db.query<{ id: string }>({
    name: 'push-existing-users',
    text: 'SELECT id FROM users WHERE id = ANY($1::uuid[]) AND NOT deleted',
    values: [[...new Set(userIds)]],
  });
  return new Set(rows.map((row) => row.id));
}

/**
 * The stored rows with these ids, locked for this transaction (in id order, so two batches lock
 * in the same order), with their wire documents.
 */
export async function lockById(
  db: pg.PoolClient,
  table: 'conversations' | 'messages' | 'key_envelopes',
  ids: readonly string[],
  extraColumns = '',
): Promise<Map<string, Row>> {
  const collection = table === 'key_envelopes' ? 'keyEnvelopes' : table;
  const { rows } = await db.query<Row>({
    name: `push-lock-${table}`,
    text: `SELECT ${DOCUMENT_SHAPES[collection].columns('t')}${extraColumns} FROM ${table} t
            WHERE t.id = ANY($1::uuid[]) ORDER BY t.id FOR UPDATE`,
    values: [ids],
  });
  return new Map(rows.map((row) => [row.id as string, row]));
}
