import { combineLatest, from, map, type Observable, of, startWith, switchMap } from 'rxjs';
import type { ClientCrypto } from '../crypto/client-crypto.ts';
import type { AppDatabase, ConversationDoc } from '../database/app-database.ts';

export interface MemberSummary {
  userId: string;
  name: string;
  username: string;
  role: 'admin' | 'member';
  removed: boolean;
  /** False while their membership is a message request they have not answered. */
  accepted: boolean;
}

export interface ConversationDetails {
  id: string;
  kind: 'direct' | 'group';
  title: string;
  peerUserId: string | null;
  members: MemberSummary[];
  amAdmin: boolean;
  amMember: boolean;
  /** This conversation is a request to me that I have not answered yet. */
  amAsked: boolean;
}

/** One conversation with its members, live; null while it is not in the local database. */
export function conversationDetails$(
  database: AppDatabase,
  crypto: ClientCrypto,
  conversationId: string,
  selfUserId: string,
): Observable<ConversationDetails | null> {
  return combineLatest([
    database.conversations.findOne(conversationId).$,
    database.members.find({ selector: { conversationId } }).$,
    database.users.find().$,
    database.keyEnvelopes.find({ selector: { conversationId } }).$,
  ]).pipe(
    switchMap(([doc, memberRows, users]) => {
      if (doc === null) return of(null);
      const conversation = doc.toJSON() as ConversationDoc;
      const people = new Map(users.map((user) => [user.id, user]));
      const peer =
        conversation.kind === 'direct'
          ? conversation.createdBy === selfUserId
            ? conversation.directPeerId
            : conversation.createdBy
          : null;
      const members: MemberSummary[] = memberRows.map((row) => ({
        userId: row.userId,
        name: people.get(row.userId)?.displayName ?? 'Unknown user',
        username: people.get(row.userId)?.username ?? '',
        role: row.role,
        removed: row.removed,
        accepted: row.accepted,
      }));
      const me = members.find((member) => member.userId === selfUserId);
      // Before the server's membership rows arrive, the creator is the (only) admin.
      const founder = me === undefined && conversation.createdBy === selfUserId;
      const title$: Observable<string> =
        peer !== null
          ? of(people.get(peer)?.displayName ?? 'Unknown user')
          : conversation.titleCiphertext === null
            ? of('Group')
            : from(
                crypto.openTitle({
                  ...conversation,
                  titleCiphertext: conversation.titleCiphertext,
                }),
              ).pipe(
                map((title) => title ?? 'Encrypted group'),
                startWith('Group'),
              );
      return title$.pipe(
        map(
          (title): ConversationDetails => ({
            id: conversationId,
            kind: conversation.kind,
            title,
            peerUserId: peer,
            members: members.sort((a, b) => a.name.localeCompare(b.name)),
            amAdmin: founder || (me?.role === 'admin' && !me.removed && me.accepted),
            amMember: founder || (me !== undefined && !me.removed),
            amAsked: me !== undefined && !me.removed && !me.accepted,
          }),
        ),
      );
    }),
  );
}
