// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest';
import type {
  AppDatabase,
  BlockDoc,
  ConversationDoc,
  MemberDoc,
  UserDoc,
} from '../database/app-database.ts';
import { openTestDatabase } from '../database/test-database.ts';
import { createRequestActions, messageRequests, RequestError } from './message-requests.ts';

const ME = '00000000-0000-4000-8000-0000000000a1';
const ALICE = '00000000-0000-4000-8000-0000000000a2';
const CAROL = '00000000-0000-4000-8000-0000000000a3';
const OLDER = '01890000-0000-7000-8000-000000000001';
const NEWER = '01890000-0000-7000-8000-000000000002';
const THIRD = '01890000-0000-7000-8000-000000000003';

const user = (id: string, name: string): UserDoc => ({
  id,
  username: name.toLowerCase(),
  displayName: name,
  identityPublicKey: null,
});
const direct = (id: string, from: string): ConversationDoc => ({
  id,
  kind: 'direct',
  titleCiphertext: null,
  createdBy: from,
  directPeerId: ME,
});
const group = (id: string, createdBy: string): ConversationDoc => ({
  id,
  kind: 'group',
  titleCiphertext: 'AAEC',
  createdBy,
  directPeerId: null,
});
const mine = (conversationId: string, patch: Partial<MemberDoc> = {}): MemberDoc => ({
  id: `${conversationId}|${ME}`,
  conversationId,
  userId: ME,
  role: 'member',
  removed: false,
  accepted: false,
  invitedBy: null,
  ...patch,
});
const block = (blockedUserId: string): BlockDoc => ({
  id: `${ME}|${blockedUserId}`,
  userId: ME,
  blockedUserId,
});

describe('the message requests list', () => {
  const users = [user(ALICE, 'Alice'), user(CAROL, 'Carol')];

  it('lists unanswered memberships with who asks, newest first; accepted and declined ones are not requests', () => {
    const conversations = [direct(OLDER, ALICE), group(NEWER, ALICE), direct(THIRD, CAROL)];
    const memberships = [
      mine(OLDER, { invitedBy: ALICE }),
      // Carol created the group; Alice added me: Alice is the one asking.
      mine(NEWER, { invitedBy: ALICE }),
      mine(THIRD, { invitedBy: CAROL, accepted: true }),
    ];
    expect(messageRequests(memberships, conversations, users, [])).toEqual([
      {
        conversationId: NEWER,
        kind: 'group',
        fromUserId: ALICE,
        fromName: 'Alice',
        fromUsername: 'alice',
      },
      {
        conversationId: OLDER,
        kind: 'direct',
        fromUserId: ALICE,
        fromName: 'Alice',
        fromUsername: 'alice',
      },
    ]);
    const declined = [mine(OLDER, { invitedBy: ALICE, removed: true })];
    expect(messageRequests(declined, conversations, users, [])).toEqual([]);
  });

  it('hides the requests of someone I block, and names an unknown asker by the conversation’s creator', () => {
    const conversations = [direct(OLDER, ALICE), group(NEWER, CAROL)];
    const memberships = [mine(OLDER, { invitedBy: ALICE }), mine(NEWER)];
    expect(
      messageRequests(memberships, conversations, users, [block(ALICE)]).map((request) => [
        request.conversationId,
        request.fromUserId,
      ]),
    ).toEqual([[NEWER, CAROL]]);
    // A request whose conversation this device does not hold yet waits for it.
    expect(messageRequests([mine(THIRD)], conversations, users, [])).toEqual([]);
  });
});

describe('answering a request', () => {
  let database: AppDatabase | undefined;
  afterEach(async () => {
    await database?.remove();
    database = undefined;
  });

  it('accepting and declining write my own membership; anything but an open request is refused', async () => {
    database = await openTestDatabase();
    const actions = createRequestActions(database, ME);
    await database.conversations.bulkInsert([direct(OLDER, ALICE), direct(NEWER, CAROL)]);
    await database.members.bulkInsert([
      mine(OLDER, { invitedBy: ALICE, rev: '10' }),
      mine(NEWER, { invitedBy: CAROL, rev: '11' }),
    ]);
    await actions.accept(OLDER);
    await actions.decline(NEWER);
    const rows = await database.members.findByIds([`${OLDER}|${ME}`, `${NEWER}|${ME}`]).exec();
    expect(rows.get(`${OLDER}|${ME}`)?.toJSON()).toMatchObject({ accepted: true, removed: false });
    expect(rows.get(`${NEWER}|${ME}`)?.toJSON()).toMatchObject({ accepted: false, removed: true });
    await expect(actions.accept(OLDER)).rejects.toBeInstanceOf(RequestError);
    await expect(actions.accept(NEWER)).rejects.toThrow(/no open request/);
    await expect(actions.decline(THIRD)).rejects.toBeInstanceOf(RequestError);
  });
});
