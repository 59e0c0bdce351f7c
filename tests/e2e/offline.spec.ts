import type { Page } from '@playwright/test';
import {
  aliceWritesToBob,
  expect,
  messageWithText,
  send,
  shown,
  shownTexts,
  test,
} from './support/app.ts';

/** The service worker has precached the shell, so the app loads with no network. */
async function waitForOfflineShell(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
}

test.describe('offline first', () => {
  test('B is offline while A sends 20; back online, B has all 20 once, in order', async ({
    person,
  }) => {
    const { alice, bob } = await aliceWritesToBob(person, 'before the tunnel');

    await bob.context.setOffline(true);
    const bar = bob.page.getByTestId('connection-banner');
    await expect(bar).toHaveAttribute('data-state', 'offline');
    // A bar above the pages, which move down by its height: it covers nothing.
    await expect(bar).toHaveCSS('height', '24px');
    const barBox = await bar.boundingBox();
    await expect
      .poll(
        async () =>
          (await bob.page.locator('ion-header').filter({ visible: true }).first().boundingBox())?.y,
      )
      .toBeGreaterThanOrEqual((barBox?.y ?? 0) + (barBox?.height ?? 0));
    const texts = Array.from(
      { length: 20 },
      (_, i) => `train message ${String(i + 1).padStart(2, '0')}`,
    );
    for (const text of texts) await send(alice.page, text);
    await expect(messageWithText(alice.page, texts[19] ?? '')).toHaveAttribute(
      'data-status',
      'sent',
    );
    // Nothing reaches Bob while he is offline.
    expect(await shownTexts(bob.page)).toEqual(['before the tunnel']);

    await bob.context.setOffline(false);
    await expect(messageWithText(bob.page, texts[19] ?? '')).toBeVisible();
    await expect.poll(() => shownTexts(bob.page)).toEqual(['before the tunnel', ...texts]);
    await expect(bob.page.getByTestId('connection-banner')).toHaveAttribute(
      'data-state',
      'up-to-date',
    );
  });

  test('A sends 5 offline, reloads while still offline, goes online: 5 delivered once, in order', async ({
    person,
  }) => {
    const { alice, bob } = await aliceWritesToBob(person, 'hello from the platform');
    await waitForOfflineShell(alice.page);

    await alice.context.setOffline(true);
    await expect(alice.page.getByTestId('connection-banner')).toHaveAttribute(
      'data-state',
      'offline',
    );
    const texts = Array.from({ length: 5 }, (_, i) => `written offline ${i + 1}`);
    for (const text of texts) await send(alice.page, text);
    for (const text of texts) {
      await expect(messageWithText(alice.page, text)).toHaveAttribute('data-status', 'pending');
    }

    // The tab reloads with no network: the shell comes from the service worker, the outbox and
    // the history from IndexedDB.
    await alice.page.reload();
    await expect(messageWithText(alice.page, 'hello from the platform')).toBeVisible();
    for (const text of texts) {
      await expect(messageWithText(alice.page, text)).toHaveAttribute('data-status', 'pending');
    }
    expect(await shownTexts(bob.page)).toEqual(['hello from the platform']);

    await alice.context.setOffline(false);
    await expect.poll(() => shownTexts(bob.page)).toEqual(['hello from the platform', ...texts]);
    // The reloaded page learns on connecting that Bob is online (his presence did not change).
    await expect(shown(alice.page, 'chat-subtitle')).toHaveText('online');
    for (const text of texts) {
      await expect(messageWithText(alice.page, text)).toHaveAttribute(
        'data-status',
        /read|delivered/,
      );
    }
    // Once more after everything settled: still each exactly once on both sides.
    await expect(alice.page.getByTestId('connection-banner')).toHaveAttribute(
      'data-state',
      'up-to-date',
    );
    expect(await shownTexts(bob.page)).toEqual(['hello from the platform', ...texts]);
    expect(await shownTexts(alice.page)).toEqual(['hello from the platform', ...texts]);
  });
});
