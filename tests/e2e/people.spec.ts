import { randomBytes } from 'node:crypto';
import type { Page } from '@playwright/test';
import {
  acceptRequest,
  backToList,
  createGroup,
  expect,
  messageWithText,
  openConversation,
  pickPerson,
  register,
  send,
  shown,
  test,
  uniqueUsername,
} from './support/app.ts';

/** Makes an invite link on the page in view (New chat, or group info) and reads it. */
async function makeInviteLink(page: Page): Promise<string> {
  await shown(page, 'create-invite').click();
  const link = (await shown(page, 'invite-link').textContent())?.trim() ?? '';
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
  return link;
}

test.describe('finding people', () => {
  test('a group is made with members found by name, and another is added by name in group info', async ({
    person,
  }) => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const carol = await person('Carol');
    const dave = await person('Dave');

    // Nobody here knows anyone: Alice finds each by the beginning of their username.
    const groupId = await createGroup(alice.page, 'Book club', [bob, carol]);
    await send(alice.page, 'First book: Middlemarch');
    await acceptRequest(bob.page, groupId);
    await expect(messageWithText(bob.page, 'First book: Middlemarch')).toBeVisible();

    await shown(alice.page, 'chat-info').click();
    const addMembers = shown(alice.page, 'add-members');
    await expect(addMembers).toBeVisible();
    // Members already in are not offered again.
    await addMembers.getByTestId('contact-search').locator('input').fill(bob.username);
    await expect(shown(alice.page, 'search-pending')).toHaveCount(0);
    await expect(shown(alice.page, `found-${bob.username}`)).toHaveCount(0);
    await expect(shown(alice.page, `contact-${bob.username}`)).toHaveCount(0);
    await pickPerson(alice.page, dave);
    await expect(shown(alice.page, `member-row-${dave.username}`)).toBeVisible();
    await alice.page.goBack();
    await send(alice.page, 'Dave joins us');

    await acceptRequest(dave.page, groupId);
    await expect(shown(dave.page, 'chat-title')).toHaveText('Book club');
    await expect(messageWithText(dave.page, 'Dave joins us')).toBeVisible();
    await send(dave.page, 'Hello book club');
    await expect(messageWithText(bob.page, 'Hello book club')).toBeVisible();
  });

  test('a direct invite link opened by someone without an account leads through registration to a chat with its maker', async ({
    person,
    freshPage,
  }) => {
    const alice = await person('Alice');
    await shown(alice.page, 'new-chat').click();
    const link = await makeInviteLink(alice.page);

    const { page } = await freshPage();
    await page.goto(link);
    // Not signed in: the login comes first, and the invite waits for it.
    await expect(page).toHaveURL(/\/login$/);
    const username = uniqueUsername('Erin');
    await register(
      page,
      { username, password: `pw-${randomBytes(6).toString('hex')}`, displayName: 'Erin' },
      /\/invite\/[A-Za-z0-9_-]{43}$/,
    );
    await expect(shown(page, 'invite-summary')).toContainText(
      `Alice (@${alice.username}) invites you to chat.`,
    );
    await shown(page, 'invite-accept').click();
    await expect(page).toHaveURL(/\/chats\/[0-9a-f-]{36}$/);
    const conversationId = page.url().split('/').pop() ?? '';
    await expect(shown(page, 'chat-title')).toHaveText('Alice');
    await send(page, 'Hi Alice, I got your link');

    // Alice asked for this by sharing the link: no message request, the chat is in her list.
    await alice.page.goBack();
    await backToList(alice.page);
    await openConversation(alice.page, conversationId);
    await expect(messageWithText(alice.page, 'Hi Alice, I got your link')).toBeVisible();
    await send(alice.page, 'Welcome, Erin');
    await expect(messageWithText(page, 'Welcome, Erin')).toBeVisible();
  });

  test('a group invite link brings someone into the group, who reads what is written from then on; a revoked link no longer works', async ({
    person,
  }) => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const carol = await person('Carol');
    const dave = await person('Dave');
    const groupId = await createGroup(alice.page, 'Climbing', [bob]);
    await acceptRequest(bob.page, groupId);
    await send(alice.page, 'Gym on Thursday?');
    await expect(messageWithText(bob.page, 'Gym on Thursday?')).toBeVisible();

    await shown(alice.page, 'chat-info').click();
    const link = await makeInviteLink(alice.page);

    await carol.page.goto(link);
    await expect(shown(carol.page, 'invite-summary')).toContainText(
      `Alice (@${alice.username}) invites you to join a group.`,
    );
    await shown(carol.page, 'invite-accept').click();
    await expect(carol.page).toHaveURL(new RegExp(`/chats/${groupId}$`));
    // Alice's device, which started the group's key, shares it with Carol's as with any member added.
    await expect(shown(carol.page, 'chat-title')).toHaveText('Climbing');
    await expect(shown(alice.page, `member-row-${carol.username}`)).toBeVisible();
    await shown(alice.page, 'revoke-invite').click();
    await expect(shown(alice.page, 'create-invite')).toBeVisible();
    await alice.page.goBack();
    await send(alice.page, 'Welcome Carol');
    await expect(messageWithText(carol.page, 'Welcome Carol')).toBeVisible();
    await send(carol.page, 'Thanks, see you Thursday');
    await expect(messageWithText(bob.page, 'Thanks, see you Thursday')).toBeVisible();

    await dave.page.goto(link);
    await expect(shown(dave.page, 'invite-problem')).toContainText('no longer works');
  });
});
