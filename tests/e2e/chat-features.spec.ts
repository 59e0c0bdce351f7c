import type { AppContext } from '../../app/src/app-context.ts';
import {
  aliceWritesToBob,
  backToList,
  composer,
  confirmStep,
  expect,
  isTouchScreen,
  messageAction,
  messages,
  messageWithText,
  openConversation,
  openMessageActions,
  send,
  shown,
  test,
} from './support/app.ts';

test.describe('chat features', () => {
  test('reply, edit, react, delete for everyone, typing, presence, drafts and search', async ({
    person,
  }) => {
    // Two registrations and a dozen steps across two browsers: past two minutes on shared cores.
    test.slow();
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

  test('messages: actions on hover or long press, runs of one sender grouped, jump to latest with a count', async ({
    person,
  }) => {
    // Fourteen messages and two people on two shared cores: more than the default two minutes.
    test.slow();
    const { alice, bob } = await aliceWritesToBob(person, 'Run 1');
    // A short window, so that a few messages are enough to scroll.
    const size = bob.page.viewportSize();
    if (size !== null) await bob.page.setViewportSize({ width: size.width, height: 480 });
    for (let i = 2; i <= 14; i++) await send(alice.page, `Run ${i}`);
    await expect(messageWithText(bob.page, 'Run 14')).toBeVisible();

    // One sender's consecutive messages form a run: only its first starts a new group.
    await expect(messageWithText(alice.page, 'Run 14')).toHaveAttribute('data-grouped', 'true');
    await expect(messageWithText(bob.page, 'Run 14')).toHaveAttribute('data-grouped', 'true');
    await send(bob.page, 'My turn');
    await expect(messageWithText(bob.page, 'My turn')).toHaveAttribute('data-grouped', 'false');
    await expect(messageWithText(alice.page, 'My turn')).toHaveAttribute('data-grouped', 'false');

    // No permanent "⋯" on every message: hover (desktop) or a long press (phone) shows the actions.
    const last = messageWithText(alice.page, 'Run 14');
    await expect(last.locator('[data-role="actions"]')).toBeHidden();
    await openMessageActions(alice.page, last);
    await expect(last.locator('[data-role="reply"]')).toBeVisible();
    // A tap or click elsewhere closes them again.
    await shown(alice.page, 'chat-title').click();
    await expect(last.locator('[data-role="menu"]')).toHaveCount(0);
    if (!(await isTouchScreen(alice.page))) {
      await last.hover();
      await expect(last.locator('[data-role="actions"]')).toBeVisible();
    }
    await messageAction(alice.page, 'Run 14', 'react-👍');
    await expect(
      messageWithText(bob.page, 'Run 14').getByRole('button', { name: '👍 1' }),
    ).toBeVisible();

    // Bob scrolls up to the start: a jump-to-latest button, no count yet.
    const jump = shown(bob.page, 'jump-to-latest');
    await expect(jump).toHaveCount(0);
    // Scrolled to the top again until the button shows: a layout change that lands just after
    // (the reaction's chip, a late page of the list) may still pull a list that was at the bottom.
    await expect(async () => {
      await shown(bob.page, 'messages').evaluate((list) => {
        list.scrollTop = 0;
      });
      await expect(jump).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout: 30_000 });
    await expect(shown(bob.page, 'new-count')).toHaveCount(0);
    // Alice writes twice more: the button counts them.
    await send(alice.page, 'Are you there?');
    await send(alice.page, 'Hello?');
    await expect(shown(bob.page, 'new-count')).toHaveText('2');
    await jump.click();
    await expect(messageWithText(bob.page, 'Hello?')).toBeInViewport();
    await expect(jump).toHaveCount(0);
    await expect(messages(bob.page).last()).toContainText('Hello?');
  });

  test('local search lists matching messages from the decrypted history and opens the conversation at the one chosen', async ({
    person,
  }) => {
    test.slow();
    const { alice, conversationId } = await aliceWritesToBob(
      person,
      'The haystack hides a needle here',
    );
    // A short window, so that the found message is out of view at the bottom of the chat.
    const size = alice.page.viewportSize();
    if (size !== null) await alice.page.setViewportSize({ width: size.width, height: 480 });
    for (let i = 1; i <= 12; i++) await send(alice.page, `Filler ${i}`);
    await expect(
      messageWithText(alice.page, 'The haystack hides a needle here'),
    ).not.toBeInViewport();

    await backToList(alice.page);
    await shown(alice.page, 'search').locator('input').fill('NEEDLE');
    const hits = alice.page.locator('[data-role="message-hit"]').filter({ visible: true });
    await expect(hits).toHaveCount(1);
    await expect(hits.first()).toContainText('The haystack hides a needle here');
    await expect(hits.first()).toContainText('Bob');
    await hits.first().click();
    await expect(alice.page).toHaveURL(new RegExp(`/chats/${conversationId}\\?message=`));
    const found = messageWithText(alice.page, 'The haystack hides a needle here');
    await expect(found).toHaveAttribute('data-found', 'true');
    await expect(found).toBeInViewport();

    await backToList(alice.page);
    await shown(alice.page, 'search').locator('input').fill('no such words anywhere');
    await expect(hits).toHaveCount(0);
  });
});
