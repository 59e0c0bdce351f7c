import { mkdirSync } from 'node:fs';
import type { Page, TestInfo } from '@playwright/test';
import {
  acceptRequest,
  backToList,
  expect,
  messageWithText,
  openConversation,
  pickPerson,
  send,
  shown,
  startDirectChat,
  test,
} from './support/app.ts';

/** Every main screen, at this project's viewport, kept under test-results/e2e/screenshots/. */
async function capture(page: Page, testInfo: TestInfo, screen: string): Promise<void> {
  const folder = `${testInfo.project.outputDir}/screenshots`;
  mkdirSync(folder, { recursive: true });
  const path = `${folder}/${testInfo.project.name}-${screen}.png`;
  await page.screenshot({ path, fullPage: false });
  await testInfo.attach(`${screen} (${testInfo.project.name})`, { path, contentType: 'image/png' });
}

test('screenshots of the main screens', async ({ person, freshPage }, testInfo) => {
  const login = await freshPage();
  await login.page.goto('/login');
  await expect(shown(login.page, 'submit')).toBeVisible();
  await capture(login.page, testInfo, 'login');

  const alice = await person('Alice');
  const bob = await person('Bob');
  const carol = await person('Carol');
  const direct = await startDirectChat(alice.page, bob);
  await send(alice.page, 'Are we still on for the hike on Saturday?');
  await acceptRequest(bob.page, direct);
  await send(bob.page, 'Yes! I will bring snacks.\nAnd the map.');
  await expect(messageWithText(alice.page, 'I will bring snacks')).toBeVisible();
  await send(alice.page, 'Perfect, see you at 8');

  await backToList(alice.page);
  await shown(alice.page, 'new-group').click();
  await shown(alice.page, 'group-title').locator('input').fill('Hiking club');
  for (const member of [bob, carol]) await pickPerson(alice.page, member);
  await expect(shown(alice.page, `chosen-${carol.username}`)).toBeVisible();
  await capture(alice.page, testInfo, 'new-group');
  await shown(alice.page, 'create-group').click();
  await expect(alice.page).toHaveURL(/\/chats\/[0-9a-f-]{36}$/);
  await send(alice.page, 'Welcome to the hiking club 🥾');
  await expect(messageWithText(alice.page, 'Welcome to the hiking club')).toHaveAttribute(
    'data-status',
    /sent|delivered|read/,
  );
  await shown(alice.page, 'chat-info').click();
  await expect(shown(alice.page, `member-row-${carol.username}`)).toBeVisible();
  await capture(alice.page, testInfo, 'group-info');
  await alice.page.goBack();

  await backToList(alice.page);
  await capture(alice.page, testInfo, 'conversation-list');
  await openConversation(alice.page, direct);
  await expect(messageWithText(alice.page, 'Perfect, see you at 8')).toBeVisible();
  await capture(alice.page, testInfo, 'chat');

  await backToList(alice.page);
  await shown(alice.page, 'new-chat').click();
  await expect(shown(alice.page, `contact-${bob.username}`)).toBeVisible();
  await capture(alice.page, testInfo, 'new-chat');
  await alice.page.goBack();

  await backToList(alice.page);
  await shown(alice.page, 'open-settings').click();
  await expect(shown(alice.page, 'device-list')).toContainText('(this device)');
  await capture(alice.page, testInfo, 'settings');

  // The dark theme, on the chat.
  await alice.page.emulateMedia({ colorScheme: 'dark' });
  await alice.page.goto(`/chats/${direct}`);
  await expect(messageWithText(alice.page, 'Perfect, see you at 8')).toBeVisible();
  await expect(alice.page.locator('html')).toHaveClass(/ion-palette-dark/);
  await capture(alice.page, testInfo, 'chat-dark');
});
