import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { chromium } from '@playwright/test';
import { backToList, expect, serverUrl, shown, startDirectChat, test } from './support/app.ts';

/** The controls of the page a screen reader gets no name for (Chromium's accessibility tree). */
async function unnamedControls(page: Page): Promise<{ count: number; unnamed: string[] }> {
  const cdp = await page.context().newCDPSession(page);
  const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
    nodes: { ignored: boolean; role?: { value: string }; name?: { value: string } }[];
  };
  await cdp.detach();
  const controls = nodes.filter(
    (node) =>
      !node.ignored && ['button', 'textbox', 'searchbox', 'link'].includes(node.role?.value ?? ''),
  );
  const unnamed = controls.filter((node) => (node.name?.value ?? '').trim() === '');
  return { count: controls.length, unnamed: unnamed.map((node) => node.role?.value ?? '') };
}

test('Chromium reports the app installable: manifest, icons, service worker', async ({
  browserName,
}, testInfo) => {
  test.skip(testInfo.project.name !== 'desktop', 'installability is the same on every viewport');
  expect(browserName).toBe('chromium');
  // Installability is never granted to incognito contexts, which Playwright's usual ones are.
  const profile = mkdtempSync(join(tmpdir(), 'anochat-pwa-'));
  const context = await chromium.launchPersistentContext(profile, {
    ...testInfo.project.use.launchOptions,
    baseURL: serverUrl(),
  });
  try {
    const page = await context.newPage();
    await page.goto('/login');
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
    });
    await page.reload();
    await expect
      .poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null))
      .toBe(true);
    const cdp = await context.newCDPSession(page);
    const manifest = (await cdp.send('Page.getAppManifest')) as { errors: unknown[]; url: string };
    expect(manifest.errors).toEqual([]);
    expect(manifest.url).toContain('manifest.webmanifest');
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as {
      installabilityErrors: { errorId: string }[];
    };
    expect(installabilityErrors).toEqual([]);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});

test('every control has a name, and the composer is reachable and usable by keyboard alone', async ({
  person,
}) => {
  const alice = await person('Alice');
  const bob = await person('Bob');
  await startDirectChat(alice.page, bob);

  // What a screen reader gets: Chromium's accessibility tree (Ionic moves labels into shadow DOM).
  const chat = await unnamedControls(alice.page);
  expect(chat.count).toBeGreaterThanOrEqual(4);
  expect(chat.unnamed).toEqual([]);

  // From the top of the page, Tab reaches the composer; typing and Enter send.
  await alice.page.locator('body').click({ position: { x: 1, y: 1 } });
  let reached = false;
  for (let step = 0; step < 40 && !reached; step++) {
    await alice.page.keyboard.press('Tab');
    reached = await alice.page.evaluate(
      () => document.activeElement?.getAttribute('data-testid') === 'composer',
    );
  }
  expect(reached).toBe(true);
  await alice.page.keyboard.type('sent with the keyboard only');
  await alice.page.keyboard.press('Enter');
  await expect(
    shown(alice.page, 'messages').getByText('sent with the keyboard only'),
  ).toBeVisible();

  // Settings (password change, safety numbers with the QR code open) and finding someone new.
  await backToList(alice.page);
  await shown(alice.page, 'open-settings').click();
  await shown(alice.page, `toggle-qr-${bob.userId}`).click();
  await expect(shown(alice.page, `safety-qr-${bob.userId}`)).toBeVisible();
  const settings = await unnamedControls(alice.page);
  expect(settings.count).toBeGreaterThanOrEqual(6);
  expect(settings.unnamed).toEqual([]);
  await alice.page.goBack();
  await shown(alice.page, 'new-chat').click();
  await shown(alice.page, 'contact-search').locator('input').fill('somebody_new');
  await expect(shown(alice.page, 'search-none')).toBeVisible();
  const newChat = await unnamedControls(alice.page);
  expect(newChat.unnamed).toEqual([]);
});
