import type { AppContext } from '../../app/src/app-context.ts';
import {
  aliceWritesToBob,
  backToList,
  confirmStep,
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
  test('a wrong password, a too short new password and a taken username each say so', async ({
    person,
    freshPage,
  }) => {
    const alice = await person('Alice');
    const { page } = await freshPage();

    await login(page, { username: alice.username, password: 'not her password' });
    await expect(shown(page, 'login-error')).toHaveText('Wrong username or password.');
    await expect(page).toHaveURL(/\/login$/);

    await shown(page, 'mode-register').click();
    await shown(page, 'username').locator('input').fill(alice.username.toUpperCase());
    await shown(page, 'password').locator('input').fill('seven c');
    await shown(page, 'submit').click();
    await expect(shown(page, 'login-error')).toHaveText(
      'The password is too short: use at least 8 characters.',
    );
    await shown(page, 'password').locator('input').fill('another password');
    await shown(page, 'password-confirmation').locator('input').fill('another password');
    await shown(page, 'submit').click();
    await expect(shown(page, 'login-error')).toHaveText(
      'This username is taken. Choose another one.',
    );
  });

  test('registration: outlined fields, a show-password toggle, the password twice and a warning that it cannot be reset', async ({
    freshPage,
  }) => {
    const { page } = await freshPage();
    await page.goto('/login');
    // Ionic's outlined fields: a visible box around every field, in both modes.
    await expect(shown(page, 'username')).toHaveClass(/input-fill-outline/);
    await expect(shown(page, 'password')).toHaveClass(/input-fill-outline/);
    await expect(shown(page, 'password-confirmation')).toHaveCount(0);
    await expect(shown(page, 'no-recovery-warning')).toHaveCount(0);

    await shown(page, 'mode-register').click();
    await expect(shown(page, 'no-recovery-warning')).toContainText('Nobody can reset it');
    const password = shown(page, 'password').locator('input');
    await shown(page, 'username').locator('input').fill(uniqueUsername('carol'));
    await password.fill('correct horse');
    await expect(password).toHaveAttribute('type', 'password');
    await shown(page, 'password-toggle').click();
    await expect(password).toHaveAttribute('type', 'text');
    await shown(page, 'password-toggle').click();
    await expect(password).toHaveAttribute('type', 'password');

    await shown(page, 'password-confirmation').locator('input').fill('correct hose');
    await shown(page, 'submit').click();
    await expect(shown(page, 'login-error')).toHaveText(
      'The two passwords differ: type the same password twice.',
    );
    await expect(page).toHaveURL(/\/login$/);
    await shown(page, 'password-confirmation').locator('input').fill('correct horse');
    await shown(page, 'submit').click();
    await expect(page).toHaveURL(/\/chats$/);
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
    const { alice, bob, conversationId } = await aliceWritesToBob(person, 'Written on the laptop');
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

  test('devices: this one first with its activity, and any working device can be renamed', async ({
    person,
    freshPage,
  }) => {
    const alice = await person('Alice');
    const phone = await freshPage();
    await login(phone.page, { username: alice.username, password: alice.password });
    await expect(phone.page).toHaveURL(/\/chats$/);
    await shown(phone.page, 'open-settings').click();
    const list = shown(phone.page, 'device-list');
    const items = list.locator('ion-item');
    await expect(items).toHaveCount(2);
    await expect(items.first().locator('[data-role="last-activity"]')).toHaveText(
      'Active now (this device)',
    );
    // The first device signed in a moment ago.
    await expect(items.nth(1).locator('[data-role="last-activity"]')).toHaveText(
      /^Active (just now|\d+ min ago)$/,
    );

    // Two identical "Chrome on …" entries no more: Alice names the first device.
    await items.nth(1).locator('[data-role="rename-device"]').click();
    const field = phone.page.getByTestId('device-name-input');
    await field.fill('   ');
    await phone.page.getByTestId('device-name-save').click();
    await expect(shown(phone.page, 'settings-error')).toHaveText('Give the device a name.');
    await items.nth(1).locator('[data-role="rename-device"]').click();
    await field.fill('  Home laptop ');
    await phone.page.getByTestId('device-name-save').click();
    await expect(items.nth(1).locator('[data-role="device-name"]')).toHaveText('Home laptop');

    // The laptop itself sees its new name (the server keeps it).
    await shown(alice.page, 'open-settings').click();
    await expect(
      shown(alice.page, 'device-list')
        .locator('ion-item')
        .first()
        .locator('[data-role="device-name"]'),
    ).toHaveText('Home laptop');
  });

  test('logging out forgets the session and everything this browser stored', async ({ person }) => {
    const alice = await person('Alice');
    const bob = await person('Bob');
    await startDirectChat(alice.page, bob);
    await send(alice.page, 'something to forget');
    await backToList(alice.page);
    await shown(alice.page, 'open-settings').click();
    await expect(shown(alice.page, 'device-list')).toContainText('(this device)');
    // Asked first: cancelling keeps everything.
    await shown(alice.page, 'logout').click();
    await alice.page.getByTestId('confirm-cancel').click();
    await expect(alice.page).toHaveURL(/\/settings$/);
    await shown(alice.page, 'logout').click();
    await confirmStep(alice.page);
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

  test('changing the password: its errors, then the old password fails and the new one reads the history', async ({
    person,
  }) => {
    const { alice, bob, conversationId } = await aliceWritesToBob(
      person,
      'Before the new password',
    );
    await send(bob.page, 'Seen before the change');
    await send(bob.page, 'Still readable after it');
    await expect(messageWithText(alice.page, 'Still readable after it')).toBeVisible();
    await backToList(alice.page);
    await shown(alice.page, 'open-settings').click();

    const form = shown(alice.page, 'password-change');
    const fill = async (current: string, next: string, again = next) => {
      await form.getByTestId('current-password').locator('input').fill(current);
      await form.getByTestId('new-password').locator('input').fill(next);
      await form.getByTestId('confirm-password').locator('input').fill(again);
      await form.getByTestId('change-password').click();
    };
    const newPassword = `${alice.password}-renewed`;
    await fill(alice.password, 'short');
    await expect(form.getByTestId('password-error')).toHaveText(
      'The password is too short: use at least 8 characters.',
    );
    await fill(alice.password, newPassword, `${newPassword}!`);
    await expect(form.getByTestId('password-error')).toHaveText('The two new passwords differ.');
    await fill('not my password', newPassword);
    await expect(form.getByTestId('password-error')).toHaveText(
      'Your current password is wrong. Your password was not changed.',
    );
    await alice.context.setOffline(true);
    await fill(alice.password, newPassword);
    await expect(form.getByTestId('password-error')).toContainText('You are offline');
    await alice.context.setOffline(false);
    await fill(alice.password, newPassword);
    await expect(form.getByTestId('password-changed')).toHaveText('Your password is changed.');
    await expect(form.getByTestId('current-password').locator('input')).toHaveValue('');

    await shown(alice.page, 'logout').click();
    await confirmStep(alice.page);
    await expect(alice.page).toHaveURL(/\/login$/);
    await login(alice.page, { username: alice.username, password: alice.password });
    await expect(shown(alice.page, 'login-error')).toHaveText('Wrong username or password.');
    await login(alice.page, { username: alice.username, password: newPassword });
    await expect(alice.page).toHaveURL(/\/chats$/);
    // The key archive, opened through the new password's backup, holds the conversation's keys;
    // what the logged-out (so revoked) device sent before its revocation still opens, on both sides.
    await openConversation(alice.page, conversationId);
    await expect(messageWithText(alice.page, 'Before the new password')).toBeVisible();
    await expect(messageWithText(bob.page, 'Before the new password')).toBeVisible();
    await expect(messageWithText(alice.page, 'Seen before the change')).toBeVisible();
    await expect(messageWithText(alice.page, 'Still readable after it')).toBeVisible();
    await send(alice.page, 'Back with the new password');
    await expect(messageWithText(bob.page, 'Back with the new password')).toBeVisible();
  });

  test('changing the password with "sign out all my other devices" ends the other device at once; this one goes on', async ({
    person,
    freshPage,
  }) => {
    const { alice, bob, conversationId } = await aliceWritesToBob(person, 'Before the change');
    const { page: laptop } = await freshPage();
    await login(laptop, { username: alice.username, password: alice.password });
    await expect(laptop).toHaveURL(/\/chats$/);

    await backToList(alice.page);
    await shown(alice.page, 'open-settings').click();
    const form = shown(alice.page, 'password-change');
    const newPassword = `${alice.password}-renewed`;
    await form.getByTestId('current-password').locator('input').fill(alice.password);
    await form.getByTestId('new-password').locator('input').fill(newPassword);
    await form.getByTestId('confirm-password').locator('input').fill(newPassword);
    await form.getByTestId('sign-out-other-devices').click();
    await form.getByTestId('change-password').click();
    await expect(form.getByTestId('password-changed')).toHaveText(
      'Your password is changed. Your other device is signed out.',
    );

    // The laptop is told at once (its socket is closed), not when its token expires.
    await expect(laptop).toHaveURL(/\/login$/);
    await expect(laptop.getByText('Your session has ended. Please log in again.')).toBeVisible();
    // This device keeps its session (the server handed it new tokens) and goes on writing.
    await alice.page.goto(`/chats/${conversationId}`);
    await send(alice.page, 'After the change');
    await expect(messageWithText(bob.page, 'After the change')).toBeVisible();
    // The refresh token it now holds is the new one: a refresh goes through.
    await alice.page.evaluate(async () => {
      const { session } = (globalThis as unknown as { anochat: AppContext }).anochat;
      await session.refresh(session.current.value?.accessToken);
    });
    await send(alice.page, 'After a refresh too');
    await expect(messageWithText(bob.page, 'After a refresh too')).toBeVisible();
  });
});
