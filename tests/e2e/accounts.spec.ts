import type { AppContext } from '../../app/src/app-context.ts';
import {
  backToList,
  expect,
  login,
  messageWithText,
  openConversation,
  register,
  send,
  shown,
  startDirectChat,
  test,
  uniqueUsername,
} from './support/app.ts';

test.describe('accounts and devices', () => {
  test('a wrong password and a taken username each say so', async ({ person, freshPage }) => {
    const alice = await person('Alice');
    const { page } = await freshPage();

    await login(page, { username: alice.username, password: 'not her password' });
    await expect(shown(page, 'login-error')).toHaveText('Wrong username or password.');
    await expect(page).toHaveURL(/\/login$/);

    await shown(page, 'mode-register').click();
    await shown(page, 'username').locator('input').fill(alice.username.toUpperCase());
    await shown(page, 'password').locator('input').fill('another password');
    await shown(page, 'submit').click();
    await expect(shown(page, 'login-error')).toHaveText(
      'This username is taken. Choose another one.',
    );
  });

  test('logging in without a network says so', async ({ freshPage }) => {
    const { context, page } = await freshPage();
    await page.goto('/login');
    await expect(shown(page, 'submit')).toBeVisible();
    await context.setOffline(true);
    await shown(page, 'username').locator('input').fill(uniqueUsername('nobody'));
    await shown(page, 'password').locator('input').fill('whatever');
    await shown(page, 'submit').click();
    await expect(shown(page, 'login-error')).toContainText('You are offline');
  });

  test('a second device of Alice logs in with the password and reads the whole history', async ({
    person,
    freshPage,
  }) => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    const conversationId = await startDirectChat(alice.page, bob.userId);
    await send(alice.page, 'Written on the laptop');
    await openConversation(bob.page, conversationId);
    await send(bob.page, 'Answered before the phone existed');
    await expect(messageWithText(alice.page, 'Answered before the phone existed')).toBeVisible();
    // Alice's first device goes away: the new one must not need it.
    await alice.context.close();

    const phone = await freshPage();
    await login(phone.page, { username: alice.username, password: alice.password });
    await expect(phone.page).toHaveURL(/\/chats$/);
    await openConversation(phone.page, conversationId);
    await expect(messageWithText(phone.page, 'Written on the laptop')).toBeVisible();
    await expect(messageWithText(phone.page, 'Answered before the phone existed')).toBeVisible();
    await send(phone.page, 'Now on my phone');
    await expect(messageWithText(bob.page, 'Now on my phone')).toBeVisible();
  });

  test('logging out forgets the session and everything this browser stored', async ({ person }) => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    await startDirectChat(alice.page, bob.userId);
    await send(alice.page, 'something to forget');
    await backToList(alice.page);
    await shown(alice.page, 'open-settings').click();
    await expect(shown(alice.page, 'device-list')).toContainText('(this device)');
    await shown(alice.page, 'logout').click();
    await expect(alice.page).toHaveURL(/\/login$/);
    await expect(shown(alice.page, 'submit')).toBeVisible();
    const left = await alice.page.evaluate(async () => {
      const { database, session } = (globalThis as unknown as { anochat: AppContext }).anochat;
      return {
        session: await session.restore(),
        messages: await database.messages.count().exec(),
        conversations: await database.conversations.count().exec(),
      };
    });
    expect(left).toEqual({ session: null, messages: 0, conversations: 0 });
    // The same browser can sign up again at once.
    await register(alice.page, {
      username: uniqueUsername('next'),
      password: 'fresh start',
      displayName: 'Next',
    });
  });
});
