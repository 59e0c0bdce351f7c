import { randomBytes } from 'node:crypto';
import {
  acceptRequest,
  backToList,
  confirmStep,
  expect,
  login,
  messageWithText,
  openConversation,
  ownUserId,
  send,
  shown,
  startDirectChat,
  test,
  uniqueUsername,
} from './support/app.ts';

test.describe('a recovery key', () => {
  test('made at registration, it brings back the account and its history once the password is forgotten', async ({
    person,
    freshPage,
  }) => {
    test.slow();
    const { page } = await freshPage();
    const username = uniqueUsername('Alice');
    const password = `pw-${randomBytes(6).toString('hex')}`;
    await page.goto('/login');
    await shown(page, 'mode-register').click();
    await shown(page, 'username').locator('input').fill(username);
    await shown(page, 'display-name').locator('input').fill('Alice');
    await shown(page, 'password').locator('input').fill(password);
    await shown(page, 'password-confirmation').locator('input').fill(password);
    await shown(page, 'want-recovery-key').click();
    await shown(page, 'submit').click();

    // Shown once, before the chats: Continue waits until she says she kept it.
    const shownKey = shown(page, 'recovery-key');
    await expect(shownKey).toHaveText(/^([0-9A-HJKMNP-TV-Z]{4} ){7}[0-9A-HJKMNP-TV-Z]{4}$/);
    const recoveryKey = ((await shownKey.textContent()) ?? '').trim();
    await expect(shown(page, 'recovery-key-done')).toHaveAttribute('aria-disabled', 'true');
    await shown(page, 'recovery-key-kept').click();
    await shown(page, 'recovery-key-done').click();
    await expect(page).toHaveURL(/\/chats$/);
    const aliceId = await ownUserId(page);

    const bob = await person('Bob');
    const conversationId = await startDirectChat(page, bob);
    await send(page, 'Written before I forgot my password');
    await acceptRequest(bob.page, conversationId);
    await send(bob.page, 'Noted, and answered');
    await expect(messageWithText(page, 'Noted, and answered')).toBeVisible();

    await backToList(page);
    await shown(page, 'open-settings').click();
    await expect(shown(page, 'recovery-key-status')).toContainText('You have a recovery key');
    await shown(page, 'logout').click();
    await confirmStep(page);
    await expect(page).toHaveURL(/\/login$/);

    // The password is forgotten. A mistyped key is told at once.
    await shown(page, 'mode-login').click();
    await shown(page, 'forgot-password').click();
    const newPassword = `new-${randomBytes(6).toString('hex')}`;
    await shown(page, 'username').locator('input').fill(username);
    const last = recoveryKey.at(-1) === '0' ? '1' : '0';
    await shown(page, 'recovery-key-input')
      .locator('input')
      .fill(`${recoveryKey.slice(0, -1)}${last}`);
    await shown(page, 'password').locator('input').fill(newPassword);
    await shown(page, 'password-confirmation').locator('input').fill(newPassword);
    await shown(page, 'submit').click();
    await expect(shown(page, 'login-error')).toContainText('This is not a recovery key');

    // Typed as people type it: lower case, dashes.
    await shown(page, 'recovery-key-input')
      .locator('input')
      .fill(recoveryKey.toLowerCase().replaceAll(' ', '-'));
    await shown(page, 'submit').click();
    await expect(page).toHaveURL(/\/chats$/);
    expect(await ownUserId(page)).toBe(aliceId);
    await openConversation(page, conversationId);
    await expect(messageWithText(page, 'Written before I forgot my password')).toBeVisible();
    await expect(messageWithText(page, 'Noted, and answered')).toBeVisible();

    // The forgotten password no longer opens the account; the new one does.
    const elsewhere = await freshPage();
    await login(elsewhere.page, { username, password });
    await expect(shown(elsewhere.page, 'login-error')).toHaveText('Wrong username or password.');
    await login(elsewhere.page, { username, password: newPassword });
    await expect(elsewhere.page).toHaveURL(/\/chats$/);
  });
});
