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
});
