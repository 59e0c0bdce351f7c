import { randomBytes } from 'node:crypto';
import {
  acceptRequest,
  aliceWritesToBob,
  backToList,
  expect,
  messageWithText,
  openConversation,
  send,
  shown,
  startDirectChat,
  test,
} from './support/app.ts';

test.describe('two people chat', () => {
  test('register, start a direct chat and write both ways live, with delivery and read status', async ({
    person,
  }) => {
    const alice = await person('Alice');
    const bob = await person('Bob');

    const conversationId = await startDirectChat(alice.page, bob);
    await send(alice.page, 'Hi Bob, this is end-to-end encrypted');
    const first = messageWithText(alice.page, 'Hi Bob, this is end-to-end encrypted');
    await expect(first).toBeVisible();

    // Alice is a stranger to Bob: her chat reaches him as a message request, not a chat, and
    // nothing is delivered (nor read) before he accepts.
    await expect(shown(alice.page, 'request-waiting')).toContainText('Waiting for Bob');
    await expect(shown(bob.page, 'message-requests')).toContainText('Alice');
    await expect(shown(bob.page, `conversation-${conversationId}`)).toHaveCount(0);
    await expect(first).toHaveAttribute('data-status', 'sent');
    await acceptRequest(bob.page, conversationId);
    await expect(messageWithText(bob.page, 'Hi Bob, this is end-to-end encrypted')).toBeVisible();

    // Bob opened it: Alice's message goes to "read", and her chat is no longer a request.
    await expect(first).toHaveAttribute('data-status', 'read');
    await expect(shown(alice.page, 'request-waiting')).toHaveCount(0);
    await backToList(bob.page);
    await expect(shown(bob.page, 'message-requests')).toHaveCount(0);
    const listItem = shown(bob.page, `conversation-${conversationId}`);
    await expect(listItem).toContainText('Alice');
    await expect(listItem.locator('[data-role="preview"]')).toContainText(
      'Hi Bob, this is end-to-end encrypted',
    );
    await openConversation(bob.page, conversationId);

    await send(bob.page, 'Hello Alice!\nTwo lines, and it arrives live.');
    await expect(messageWithText(alice.page, 'Two lines, and it arrives live.')).toBeVisible();
    await expect(messageWithText(alice.page, 'Two lines, and it arrives live.')).toContainText(
      'Hello Alice!',
    );
    await send(alice.page, 'Got it');
    await expect(messageWithText(bob.page, 'Got it')).toBeVisible();
  });

  test('a stranger is found by the beginning of their username or display name and gets the first message', async ({
    person,
  }) => {
    const alice = await person('Alice');
    // A display name shared by nobody else on the suite's server.
    const shownAs = `Bob Marley ${randomBytes(3).toString('hex')}`;
    const bob = await person('Bob', { displayName: shownAs });

    await shown(alice.page, 'new-chat').click();
    const search = shown(alice.page, 'contact-search').locator('input');
    // The beginning of the username, in another case.
    await search.fill(bob.username.slice(0, -3).toUpperCase());
    await expect(shown(alice.page, `found-${bob.username}`)).toContainText(shownAs);
    // Too short to ask the server: it says how much to type.
    await search.fill('Bo');
    await expect(shown(alice.page, `found-${bob.username}`)).toHaveCount(0);
    // The beginning of the display name finds them too; screen readers hear whom the button
    // starts a chat with.
    await search.fill(shownAs.slice(0, -2).toLowerCase());
    await alice.page
      .getByRole('button', { name: `Start a chat with ${shownAs} (@${bob.username})` })
      .filter({ visible: true })
      .click();
    await expect(alice.page).toHaveURL(/\/chats\/[0-9a-f-]{36}$/);
    const conversationId = alice.page.url().split('/').pop() ?? '';
    await expect(shown(alice.page, 'chat-title')).toHaveText(shownAs);
    await send(alice.page, 'Found you by your name');

    await acceptRequest(bob.page, conversationId);
    await expect(messageWithText(bob.page, 'Found you by your name')).toBeVisible();
    await send(bob.page, 'Hello, stranger');
    await expect(messageWithText(alice.page, 'Hello, stranger')).toBeVisible();

    // Once they share a conversation Bob is a contact: found on the device, listed once.
    await backToList(alice.page);
    await shown(alice.page, 'new-chat').click();
    await search.fill(shownAs.slice(0, 5));
    await expect(shown(alice.page, `contact-${bob.username}`)).toBeVisible();
    // The server answered (its answer may hold other people whose name begins so).
    await expect(shown(alice.page, 'people-found')).toBeVisible();
    await expect(shown(alice.page, 'search-pending')).toHaveCount(0);
    await expect(shown(alice.page, `found-${bob.username}`)).toHaveCount(0);
  });

  test('messages that arrive while the conversation is not open count in the tab title until read', async ({
    person,
  }) => {
    const { alice, bob, conversationId } = await aliceWritesToBob(person, 'are you there?');
    await expect(bob.page).toHaveTitle('AnoChat');
    // "Up to date" is said to a screen reader, and takes no room on the screen.
    const banner = bob.page.getByTestId('connection-banner');
    await expect(banner).toHaveAttribute('data-state', 'up-to-date');
    await expect(banner).toHaveText('Up to date');
    await expect(banner).toHaveCSS('height', '0px');
    // Settings cover the conversation at both viewports (a wide screen keeps a chat beside the list).
    await backToList(bob.page);
    await shown(bob.page, 'open-settings').click();
    await send(alice.page, 'one');
    await send(alice.page, 'two');
    await expect(bob.page).toHaveTitle('(2) AnoChat');
    await backToList(bob.page);
    await openConversation(bob.page, conversationId);
    await expect(messageWithText(bob.page, 'two')).toBeVisible();
    await expect(bob.page).toHaveTitle('AnoChat');
  });

  test('a link to a conversation that does not exist says so, and leads back to the chats', async ({
    person,
  }) => {
    const alice = await person('Alice');
    await alice.page.goto('/chats/01a25011-0000-7000-8000-000000000000');
    await expect(shown(alice.page, 'conversation-not-found')).toContainText('not found');
    await expect(alice.page.getByText('Waiting for the encryption key')).toHaveCount(0);
    await expect(shown(alice.page, 'chat-info')).toHaveCount(0);
    await shown(alice.page, 'conversation-not-found')
      .getByRole('link', { name: 'Back to chats' })
      .click();
    await expect(alice.page).toHaveURL(/\/chats$/);
  });
});
