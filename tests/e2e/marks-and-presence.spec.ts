import type { Page } from '@playwright/test';
import pg from 'pg';
import type { AppContext } from '../../app/src/app-context.ts';
import {
  aliceWritesToBob,
  expect,
  login,
  messageWithText,
  openConversation,
  shown,
  test,
} from './support/app.ts';

/** The revision of `userId`'s receipt in the conversation as the server stores it. */
async function serverReceiptRev(conversationId: string, userId: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: process.env.ANOCHAT_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ rev: string }>(
      'SELECT rev::text AS rev FROM receipts WHERE conversation_id = $1 AND user_id = $2',
      [conversationId, userId],
    );
    return rows[0]?.rev ?? null;
  } finally {
    await client.end();
  }
}

/** The receipt of `userId` in the conversation as this device stores it (null: none yet). */
async function storedReceipt(
  page: Page,
  conversationId: string,
  userId: string,
): Promise<{ deliveredUpTo: string | null; readUpTo: string | null; rev: string | null } | null> {
  return page.evaluate(
    async ({ conversationId, userId }) => {
      const { database } = (globalThis as unknown as { anochat: AppContext }).anochat;
      const receipt = await database.receipts.findOne(`${conversationId}|${userId}`).exec();
      if (receipt === null) return null;
      return {
        deliveredUpTo: receipt.deliveredUpTo,
        readUpTo: receipt.readUpTo,
        rev: receipt.rev ?? null,
      };
    },
    { conversationId, userId },
  );
}

test.describe('a truthful header and truthful marks', () => {
  test('presence shows while both are online: from the moment a request is accepted, and on a fresh load', async ({
    person,
  }) => {
    const { alice, bob, conversationId } = await aliceWritesToBob(person, 'Are you around?');
    // Both were online when Bob accepted: neither reconnected, and each sees the other online.
    await expect(shown(alice.page, 'chat-subtitle')).toHaveText('online');
    await expect(shown(bob.page, 'chat-subtitle')).toHaveText('online');

    // A fresh load learns it as it connects.
    await alice.page.reload();
    await expect(shown(alice.page, 'chat-title')).toHaveText('Bob');
    await expect(shown(alice.page, 'chat-subtitle')).toHaveText('online');

    // Bob goes away: Alice sees when he was last seen.
    await bob.page.close();
    await expect(shown(alice.page, 'chat-subtitle')).toContainText('last seen');
    bob.page = await bob.context.newPage();
    await bob.page.goto(`/chats/${conversationId}`);
    await expect(shown(alice.page, 'chat-subtitle')).toHaveText('online');
  });

  test('read marks stay on every device of the sender, also after the reader logs in anew', async ({
    person,
    freshPage,
  }) => {
    const { alice, bob, conversationId } = await aliceWritesToBob(person, 'Did you read this?');
    // Bob has the chat open: Alice's message is read.
    const first = messageWithText(alice.page, 'Did you read this?');
    await expect(first).toHaveAttribute('data-status', 'read');
    const read = await storedReceipt(alice.page, conversationId, bob.userId);
    expect(read?.readUpTo).not.toBeNull();

    // Alice's second device (a new login) shows the same mark.
    const phone = await freshPage();
    await login(phone.page, { username: alice.username, password: alice.password });
    await expect(phone.page).toHaveURL(/\/chats$/);
    await openConversation(phone.page, conversationId);
    await expect(messageWithText(phone.page, 'Did you read this?')).toHaveAttribute(
      'data-status',
      'read',
    );

    // Bob logs in on a new device and does not open the chat.
    const bobsTablet = await freshPage();
    await login(bobsTablet.page, { username: bob.username, password: bob.password });
    await expect(shown(bobsTablet.page, `conversation-${conversationId}`)).toBeVisible();
    await expect
      .poll(async () => (await storedReceipt(bobsTablet.page, conversationId, bob.userId))?.rev)
      .toBe(await serverReceiptRev(conversationId, bob.userId));
    // What its receipt code writes when messages reach it before its own receipt does: delivered
    // up to the newest, nothing read.
    await bobsTablet.page.evaluate(
      async ({ conversationId, userId, messageId }) => {
        const { database } = (globalThis as unknown as { anochat: AppContext }).anochat;
        const id = `${conversationId}|${userId}`;
        const stored = await database.receipts.findOne(id).exec();
        await stored?.incrementalPatch({ deliveredUpTo: messageId, readUpTo: null });
      },
      { conversationId, userId: bob.userId, messageId: read?.deliveredUpTo ?? '' },
    );
    // Once the tablet's write has been answered and every device holds the server's revision,
    // whatever it did has reached them: Alice's marks are still "read" everywhere, and the tablet
    // took the server's positions back.
    await expect
      .poll(
        async () => (await storedReceipt(bobsTablet.page, conversationId, bob.userId))?.readUpTo,
      )
      .toBe(read?.readUpTo);
    const settled = await serverReceiptRev(conversationId, bob.userId);
    for (const page of [alice.page, phone.page, bobsTablet.page]) {
      await expect
        .poll(async () => (await storedReceipt(page, conversationId, bob.userId))?.rev)
        .toBe(settled);
    }
    for (const page of [alice.page, phone.page]) {
      await expect(messageWithText(page, 'Did you read this?')).toHaveAttribute(
        'data-status',
        'read',
      );
    }
  });
});
