import { combineLatest, map, type Observable } from 'rxjs';
import { changedIdentityKeys$ } from '../contacts/identity-keys.ts';
import type {
  AppDatabase,
  ConversationDoc,
  KeyEnvelopeDoc,
  MemberDoc,
} from '../database/app-database.ts';

/**
 * A line in the timeline that no one wrote: what happened to the conversation itself. Each is
 * derived from documents this device already holds (the server keeps no event log to ask for):
 *
 * - created: the conversation's `createdBy`; its time is when epoch 0 started (`epochStartedAt` of
 *   an epoch-0 key envelope: the creator's device seals epoch 0 as it creates the group), unknown
 *   on a device that never received epoch 0 (it joined later);
 * - name: the title this device opened, at the server's `titleChangedAt` (the latest change only,
 *   which is the creation for a group never renamed; who set it is not recorded);
 * - added: a membership with `invitedBy` says who added whom, but not when (the server's wire
 *   document has no time for it), so these lines follow the creation line;
 * - no longer a member: `removedAt`; whether the person left or an admin removed them is not
 *   recorded, so one line says both truthfully;
 * - key change: a member whose published identity key is not the one this device accepted; shown
 *   at the end while it is not accepted (when the server published it is not known).
 */
export interface SystemLine {
  key: string;
  kind: 'created' | 'named' | 'added' | 'no-longer-member' | 'key-changed';
  text: string;
  /** When it happened, or null when only the order is known (`start` or `end` of the timeline). */
  at: string | null;
  place: 'start' | 'timed' | 'end';
}

/** Pure: the system lines of one conversation from the documents this device holds. */
export function buildSystemLines(input: {
  conversation: Pick<ConversationDoc, 'id' | 'kind' | 'createdBy' | 'titleChangedAt'>;
  /** The group's name as this device opened it; null while it cannot. */
  title: string | null;
  members: readonly Pick<MemberDoc, 'userId' | 'removed' | 'removedAt' | 'invitedBy'>[];
  /** When epoch 0 started, if this device holds an epoch-0 key envelope. */
  epochZeroStartedAt: string | null;
  changedKeys: ReadonlySet<string>;
  names: ReadonlyMap<string, string>;
  selfUserId: string;
}): SystemLine[] {
  const nameOf = (userId: string) =>
    userId === input.selfUserId ? 'You' : (input.names.get(userId) ?? 'Someone');
  const lines: SystemLine[] = [];
  const { conversation } = input;
  if (conversation.kind === 'group') {
    const createdAt = input.epochZeroStartedAt;
    lines.push({
      key: 'system:created',
      kind: 'created',
      text: `${nameOf(conversation.createdBy)} created the group`,
      at: createdAt,
      place: createdAt === null ? 'start' : 'timed',
    });
    // No time of adding is on the wire: the lines follow one fixed order (you first, then by
    // name), never the order in which the store happens to list the memberships.
    const added = input.members
      .flatMap((member) =>
        member.invitedBy == null ? [] : [{ userId: member.userId, invitedBy: member.invitedBy }],
      )
      .sort(
        (a, b) =>
          Number(b.userId === input.selfUserId) - Number(a.userId === input.selfUserId) ||
          nameOf(a.userId).localeCompare(nameOf(b.userId)),
      );
    for (const member of added) {
      // Told right after the creation, at its time (kept in this order by the timeline).
      lines.push({
        key: `system:added:${member.userId}`,
        kind: 'added',
        text: `${nameOf(member.invitedBy)} added ${nameOf(member.userId)}`,
        at: createdAt,
        place: createdAt === null ? 'start' : 'timed',
      });
    }
    // True of the name given at creation and of a later one alike; who set it is not recorded.
    if (input.title !== null && conversation.titleChangedAt != null) {
      // The creating device pushes the titled conversation before epoch 0's keys: a name set
      // before epoch 0 started is the creation's, told right after it.
      const namedAt =
        createdAt !== null && Date.parse(conversation.titleChangedAt) < Date.parse(createdAt)
          ? createdAt
          : conversation.titleChangedAt;
      lines.push({
        key: `system:named:${conversation.titleChangedAt}`,
        kind: 'named',
        text: `The group was named “${input.title}”`,
        at: namedAt,
        place: 'timed',
      });
    }
  }
  for (const member of input.members) {
    if (!member.removed || member.removedAt == null) continue;
    lines.push({
      key: `system:gone:${member.userId}:${member.removedAt}`,
      kind: 'no-longer-member',
      text:
        member.userId === input.selfUserId
          ? 'You are no longer a member'
          : `${nameOf(member.userId)} left or was removed`,
      at: member.removedAt,
      place: 'timed',
    });
  }
  for (const member of input.members) {
    if (member.removed || member.userId === input.selfUserId) continue;
    if (!input.changedKeys.has(member.userId)) continue;
    lines.push({
      key: `system:key:${member.userId}`,
      kind: 'key-changed',
      text: `${nameOf(member.userId)}’s safety number changed. Compare it again before you trust this conversation.`,
      at: null,
      place: 'end',
    });
  }
  return lines;
}

/** The earliest epoch-0 start among the key envelopes this device holds for the conversation. */
function epochZeroStart(envelopes: readonly KeyEnvelopeDoc[]): string | null {
  let earliest: string | null = null;
  for (const envelope of envelopes) {
    if (envelope.epoch !== 0 || envelope.epochStartedAt == null) continue;
    if (earliest === null || Date.parse(envelope.epochStartedAt) < Date.parse(earliest)) {
      earliest = envelope.epochStartedAt;
    }
  }
  return earliest;
}

export function systemLines$(
  database: AppDatabase,
  conversationId: string,
  selfUserId: string,
  title$: Observable<string | null>,
): Observable<SystemLine[]> {
  return combineLatest([
    database.conversations.findOne(conversationId).$,
    database.members.find({ selector: { conversationId } }).$,
    database.keyEnvelopes.find({ selector: { conversationId, epoch: 0 } }).$,
    database.users.find().$,
    changedIdentityKeys$(database),
    title$,
  ]).pipe(
    map(([conversation, members, envelopes, users, changedKeys, title]) =>
      conversation === null
        ? []
        : buildSystemLines({
            conversation: conversation.toJSON() as ConversationDoc,
            title,
            members: members.map((member) => member.toJSON() as MemberDoc),
            epochZeroStartedAt: epochZeroStart(
              envelopes.map((envelope) => envelope.toJSON() as KeyEnvelopeDoc),
            ),
            changedKeys,
            names: new Map(users.map((user) => [user.id, user.displayName])),
            selfUserId,
          }),
    ),
  );
}
