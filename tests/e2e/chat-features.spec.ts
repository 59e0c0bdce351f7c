import type { Page } from '@playwright/test';
import type { AppContext } from '../../app/src/app-context.ts';
import {
  aliceWritesToBob,
  backToList,
  composer,
  confirmStep,
  expect,
  messageWithText,
  openConversation,
  send,
  shown,
  test,
} from './support/app.ts';

async function messageAction(page: Page, text: string, action: string): Promise<void> {
  const message = messageWithText(page, text);
  await message.locator('[data-role="actions"]').click();
  await message.locator(`[data-role="${action}"]`).click();
}

test.describe('chat features', () => {
  test('reply, edit, react, delete for everyone, typing, presence, drafts and search', async ({
    person,
  }) => {
    const { alice, bob, conversationId } = await aliceWritesToBob(person, 'Dinner at eight?');

    // Presence is announced when a contact's first connection comes up or the last one goes (the
    // server keeps no state to ask for): Bob closes the app, Alice sees when he was last seen; he
    // opens it again, online.
    await bob.page.close();
    await expect(shown(alice.page, 'chat-subtitle')).toContainText('last seen');
    bob.page = await bob.context.newPage();
    await bob.page.goto(`/chats/${conversationId}`);
    await expect(shown(alice.page, 'chat-subtitle')).toHaveText('online');
    await expect(messageWithText(bob.page, 'Dinner at eight?')).toBeVisible();

    // Typing: Bob types, Alice sees it; Bob's reply quotes Alice's message.
    await messageAction(bob.page, 'Dinner at eight?', 'reply');
    await expect(shown(bob.page, 'composer-context')).toContainText('Replying to Alice');
    await composer(bob.page).pressSequentially('Sounds', { delay: 20 });
    await expect(shown(alice.page, 'chat-subtitle')).toHaveText('Bob is typing…');
    await composer(bob.page).pressSequentially(' good', { delay: 20 });
    await composer(bob.page).press('Enter');
    const reply = messageWithText(alice.page, 'Sounds good');
    await expect(reply).toBeVisible();
    await expect(reply.locator('blockquote')).toContainText('Dinner at eight?');
    await expect(shown(alice.page, 'chat-subtitle')).toHaveText('online');

    // Reactions: Alice likes the reply; Bob sees the count.
    await messageAction(alice.page, 'Sounds good', 'react-👍');
    await expect(
      messageWithText(bob.page, 'Sounds good').getByRole('button', { name: '👍 1' }),
    ).toBeVisible();

    // Edit: Alice changes her question; Bob sees the new text, marked edited.
    await messageAction(alice.page, 'Dinner at eight?', 'edit');
    await expect(composer(alice.page)).toHaveValue('Dinner at eight?');
    await composer(alice.page).fill('Dinner at nine?');
    await composer(alice.page).press('Enter');
    const edited = messageWithText(bob.page, 'Dinner at nine?');
    await expect(edited).toBeVisible();
    await expect(edited).toContainText('edited');
    await expect(messageWithText(bob.page, 'Dinner at eight?')).toHaveCount(0);

    // Delete for everyone.
    await send(alice.page, 'oops, wrong chat');
    await expect(messageWithText(bob.page, 'oops, wrong chat')).toBeVisible();
    await messageAction(alice.page, 'oops, wrong chat', 'delete');
    await confirmStep(alice.page);
    await expect(messageWithText(bob.page, 'oops, wrong chat')).toHaveCount(0);
    await expect(messageWithText(bob.page, 'Message deleted')).toBeVisible();

    // Drafts survive leaving the conversation and a reload.
    await composer(alice.page).fill('half-written thought');
    await expect
      .poll(() =>
        alice.page.evaluate(async (id) => {
          const { database } = (globalThis as unknown as { anochat: AppContext }).anochat;
          return (await database.getLocal<{ text: string }>(`draft:${id}`))?.get('text');
        }, conversationId),
      )
      .toBe('half-written thought');
    await backToList(alice.page);
    await alice.page.reload();
    await openConversation(alice.page, conversationId);
    await expect(composer(alice.page)).toHaveValue('half-written thought');

    // Local search finds the conversation by a word in its decrypted history.
    await backToList(alice.page);
    await shown(alice.page, 'search').locator('input').fill('nine');
    await expect(shown(alice.page, `conversation-${conversationId}`)).toBeVisible();
    await shown(alice.page, 'search').locator('input').fill('no such words anywhere');
    await expect(shown(alice.page, `conversation-${conversationId}`)).toHaveCount(0);
  });
});
