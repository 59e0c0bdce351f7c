import {
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

    const conversationId = await startDirectChat(alice.page, bob.userId);
    await send(alice.page, 'Hi Bob, this is end-to-end encrypted');
    const first = messageWithText(alice.page, 'Hi Bob, this is end-to-end encrypted');
    await expect(first).toBeVisible();

    // Bob's list shows the conversation with the decrypted preview, then the message itself.
    const listItem = shown(bob.page, `conversation-${conversationId}`);
    await expect(listItem).toContainText('Alice');
    await expect(listItem.locator('[data-role="preview"]')).toContainText(
      'Hi Bob, this is end-to-end encrypted',
    );
    await expect(listItem.locator('[data-role="unread"]')).toHaveText('1');
    await openConversation(bob.page, conversationId);
    await expect(messageWithText(bob.page, 'Hi Bob, this is end-to-end encrypted')).toBeVisible();

    // Bob opened it: Alice's message goes to "read".
    await expect(first).toHaveAttribute('data-status', 'read');

    await send(bob.page, 'Hello Alice!\nTwo lines, and it arrives live.');
    await expect(messageWithText(alice.page, 'Two lines, and it arrives live.')).toBeVisible();
    await expect(messageWithText(alice.page, 'Two lines, and it arrives live.')).toContainText(
      'Hello Alice!',
    );
    await send(alice.page, 'Got it');
    await expect(messageWithText(bob.page, 'Got it')).toBeVisible();
  });

  test('a stranger is found by their exact username (in any case) and gets the first message', async ({
    person,
  }) => {
    const alice = await person('Alice');
    const bob = await person('Bob');

    await shown(alice.page, 'new-chat').click();
    const search = shown(alice.page, 'contact-search').locator('input');
    // A prefix finds no one: names cannot be listed.
    await search.fill(bob.username.slice(0, -2));
    await expect(shown(alice.page, 'lookup-none')).toContainText(
      `No one is called @${bob.username.slice(0, -2)}.`,
    );
    await search.fill(bob.username.toUpperCase());
    const found = shown(alice.page, `found-${bob.username}`);
    await expect(found).toContainText('Bob');
    // Screen readers hear whom the button starts a chat with.
    await alice.page
      .getByRole('button', { name: `Start a chat with Bob (@${bob.username})` })
      .filter({ visible: true })
      .click();
    await expect(alice.page).toHaveURL(/\/chats\/[0-9a-f-]{36}$/);
    const conversationId = alice.page.url().split('/').pop() ?? '';
    await expect(shown(alice.page, 'chat-title')).toHaveText('Bob');
    await send(alice.page, 'Found you by your name');

    await openConversation(bob.page, conversationId);
    await expect(messageWithText(bob.page, 'Found you by your name')).toBeVisible();
    await send(bob.page, 'Hello, stranger');
    await expect(messageWithText(alice.page, 'Hello, stranger')).toBeVisible();
  });
});
