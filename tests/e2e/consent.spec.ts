import type { Page } from '@playwright/test';
import type { AppContext } from '../../app/src/app-context.ts';
import {
  acceptRequest,
  backToList,
  expect,
  messageWithText,
  send,
  shown,
  startDirectChat,
  test,
} from './support/app.ts';

/** How many message rows of the conversation this browser holds (envelopes, opened or not). */
function storedMessages(page: Page, conversationId: string): Promise<number> {
  return page.evaluate(async (id) => {
    const { database } = (globalThis as unknown as { anochat: AppContext }).anochat;
    return (await database.messages.find({ selector: { conversationId: id } }).exec()).length;
  }, conversationId);
}

test.describe('contact with consent', () => {
  test('a stranger writes: the recipient sees a request, accepts, and the chat works; another stranger is blocked', async ({
    person,
  }) => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const mallory = await person('Mallory');

    // Alice writes first. Bob gets a request naming her; her message waits on the server.
    const conversationId = await startDirectChat(alice.page, bob);
    await send(alice.page, 'Hello Bob, we met at the climbing gym');
    const hello = messageWithText(alice.page, 'Hello Bob, we met at the climbing gym');
    await expect(hello).toHaveAttribute('data-status', 'sent');
    await expect(shown(alice.page, 'request-waiting')).toContainText('Waiting for Bob');
    const requests = shown(bob.page, 'message-requests');
    await expect(requests).toContainText('Alice');
    await expect(shown(bob.page, `conversation-${conversationId}`)).toHaveCount(0);
    await requests.click();
    const request = shown(bob.page, `request-${conversationId}`);
    await expect(request.locator('[data-role="requester"]')).toHaveText('Alice');
    await expect(request).toContainText(`@${alice.username} · wants to chat with you`);
    // Nothing was marked delivered or read while Bob only looked at the request.
    await expect(hello).toHaveAttribute('data-status', 'sent');

    await shown(bob.page, `accept-${conversationId}`).click();
    await expect(bob.page).toHaveURL(new RegExp(`/chats/${conversationId}$`));
    await expect(messageWithText(bob.page, 'Hello Bob, we met at the climbing gym')).toBeVisible();
    await expect(hello).toHaveAttribute('data-status', 'read');
    await send(bob.page, 'Hi Alice! Saturday at ten?');
    await expect(messageWithText(alice.page, 'Saturday at ten?')).toBeVisible();
    await expect(shown(alice.page, 'request-waiting')).toHaveCount(0);

    // Mallory writes too; Bob blocks her from the request.
    const spam = await startDirectChat(mallory.page, bob);
    await send(mallory.page, 'Win a free phone!');
    await backToList(bob.page);
    await shown(bob.page, 'message-requests').click();
    await expect(shown(bob.page, `request-${spam}`)).toContainText('Mallory');
    await shown(bob.page, `block-${spam}`).click();
    await expect(bob.page).toHaveURL(/\/chats$/);
    await expect(shown(bob.page, 'message-requests')).toHaveCount(0);
    await expect(shown(bob.page, `conversation-${spam}`)).toHaveCount(0);

    // Mallory only sees Bob gone from the chat; whatever she writes reaches him no more.
    await expect(shown(mallory.page, 'request-waiting')).toHaveCount(0);
    await send(mallory.page, 'Are you there?');
    await expect(messageWithText(mallory.page, 'Are you there?')).toHaveAttribute(
      'data-status',
      'sent',
    );
    await shown(bob.page, 'open-settings').click();
    await expect(shown(bob.page, `blocked-${mallory.username}`)).toContainText('Mallory');
    // Alice writes after Mallory: once her message is on Bob's device, Mallory's would be too.
    await send(alice.page, 'See you then');
    await bob.page.goBack();
    await expect(shown(bob.page, `conversation-${conversationId}`)).toContainText('See you then');
    await expect(shown(bob.page, 'message-requests')).toHaveCount(0);
    expect(await storedMessages(bob.page, spam)).toBe(0);

    // Unblocking (in Settings) empties the list; it does not bring the request back.
    await shown(bob.page, 'open-settings').click();
    await shown(bob.page, `unblock-${mallory.username}`).click();
    await expect(shown(bob.page, `blocked-${mallory.username}`)).toHaveCount(0);
  });

  test('blocking from the chat info ends a direct conversation; unblocking there undoes the block', async ({
    person,
  }) => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const conversationId = await startDirectChat(alice.page, bob);
    await send(alice.page, 'One question');
    await acceptRequest(bob.page, conversationId);
    await expect(messageWithText(bob.page, 'One question')).toBeVisible();

    await shown(bob.page, 'chat-info').click();
    await shown(bob.page, 'block-peer').click();
    await expect(shown(bob.page, 'unblock-peer')).toBeVisible();
    await bob.page.goBack();
    // Bob left the conversation with the block: what he had stays, he cannot write.
    await expect(shown(bob.page, 'composer')).toBeDisabled();
    await expect(messageWithText(bob.page, 'One question')).toBeVisible();

    await shown(bob.page, 'chat-info').click();
    await shown(bob.page, 'unblock-peer').click();
    await expect(shown(bob.page, 'block-peer')).toBeVisible();

    // The old conversation ended with the block; Bob writes to Alice in a new one, which reaches
    // her at once (she started the first, so she knows him).
    await bob.page.goBack();
    await backToList(bob.page);
    const again = await startDirectChat(bob.page, alice);
    expect(again).not.toBe(conversationId);
    await send(bob.page, 'Sorry, wrong button');
    await backToList(alice.page);
    await expect(shown(alice.page, `conversation-${again}`)).toContainText('Sorry, wrong button');
    await expect(shown(alice.page, 'message-requests')).toHaveCount(0);
  });
});
