/**
 * The Android app on a Pixel 7-sized phone. Android's SDK and emulator cannot run on this machine,
 * so Capacitor's native side is played by the test (support/android-shell.ts); the app's page,
 * @capacitor/core and the plugins' JavaScript are the real ones, as are the sync server, the
 * database, the crypto and the other person.
 */
import type { BrowserContext, Page } from '@playwright/test';
import {
  ANDROID_ORIGIN,
  type AndroidShell,
  installAndroidShell,
  setPageVisible,
} from './support/android-shell.ts';
import {
  acceptRequest,
  composer,
  expect,
  login,
  messageWithText,
  openConversation,
  type Person,
  send,
  serverUrl,
  shown,
  startDirectChat,
  test,
} from './support/app.ts';
import { startLinkProxy } from './support/link-proxy.ts';
import { drawnPicture } from './support/media.ts';

const STALE_SOCKET_AFTER_MS = 10_000;

test.describe('the Android app', () => {
  test.skip(({ isMobile }) => !isMobile, 'a phone');

  async function openOnPhone(
    browser: import('@playwright/test').Browser,
    device: { viewport: { width: number; height: number } | null; userAgent: string | undefined },
    bob: Person,
    server: string,
  ): Promise<{ context: BrowserContext; page: Page; android: AndroidShell }> {
    const context = await browser.newContext({
      baseURL: ANDROID_ORIGIN,
      viewport: device.viewport,
      ...(device.userAgent ? { userAgent: device.userAgent } : {}),
      isMobile: true,
      hasTouch: true,
    });
    const android = await installAndroidShell(context);
    const page = await context.newPage();
    await page.goto('/');
    await expect(page).toHaveURL(/\/server$/);
    await shown(page, 'server-url').locator('input').fill(server);
    await shown(page, 'choose-server').click();
    await expect(page).toHaveURL(/\/login$/);
    await login(page, { username: bob.username, password: bob.password });
    await expect(page).toHaveURL(/\/chats$/);
    return { context, page, android };
  }

  test('shows one pane at a time, the back button walks back then leaves, and a shared link lands in a chat', async ({
    person,
    browser,
    viewport,
    userAgent,
  }) => {
    const bob = await person('Bob');
    const alice = await person('Alice');
    const { context, page, android } = await openOnPhone(
      browser,
      { viewport, userAgent },
      bob,
      serverUrl(),
    );
    // The server is kept in Preferences and the keys in the Keystore-backed storage.
    expect(android.preferences.get('anochat-server-url')).toBe(serverUrl());
    expect([...android.keystore.keys()]).toEqual(['anochat_device-secrets']);
    expect(android.calls).toContain('SystemBars.setStyle');

    const conversationId = await startDirectChat(alice.page, bob);
    await send(alice.page, 'hello phone');
    await acceptRequest(page, conversationId);
    await expect(messageWithText(page, 'hello phone')).toBeVisible();
    // On a phone the open chat covers the list.
    await expect(shown(page, 'open-settings')).toHaveCount(0);

    await android.emit(page, 'App', 'backButton', { canGoBack: true });
    await expect(page).toHaveURL(/\/chats$/);
    await expect(shown(page, 'open-settings')).toBeVisible();
    expect(android.calls).not.toContain('App.minimizeApp');

    await android.emit(page, 'App', 'backButton', { canGoBack: false });
    await expect.poll(() => android.calls.includes('App.minimizeApp')).toBe(true);
    await expect(page).toHaveURL(/\/chats$/);

    // Another app shares a link into AnoChat: the chat Bob opens has it in its draft.
    await android.emit(page, 'CapacitorShareTarget', 'shareReceived', {
      title: '',
      texts: ['the trail map: https://maps.example/trail'],
      files: [],
    });
    await expect(shown(page, 'shared-content')).toContainText('the trail map');
    await openConversation(page, conversationId);
    await expect(composer(page)).toHaveValue('the trail map: https://maps.example/trail');
    await expect(shown(page, 'shared-content')).toHaveCount(0);
    await composer(page).press('Enter');
    await expect(messageWithText(alice.page, 'the trail map')).toBeVisible();
    await context.close();
  });

  test('a picture shared from the gallery goes, encrypted, into the chat the person opens', async ({
    person,
    browser,
    viewport,
    userAgent,
  }) => {
    const bob = await person('Bob');
    const alice = await person('Alice');
    const { context, page, android } = await openOnPhone(
      browser,
      { viewport, userAgent },
      bob,
      serverUrl(),
    );
    const conversationId = await startDirectChat(alice.page, bob);
    await send(alice.page, 'send me the trail photo?');
    await acceptRequest(page, conversationId);
    await expect(messageWithText(page, 'send me the trail photo?')).toBeVisible();
    await android.emit(page, 'App', 'backButton', { canGoBack: true });
    await expect(page).toHaveURL(/\/chats$/);

    // The gallery shares a picture: Android hands AnoChat a file the web view can read.
    const picture = await drawnPicture(page, 640, 480);
    const path = 'file:///storage/emulated/0/Pictures/trail.png';
    android.files.set(path, { body: picture, mimeType: 'image/png' });
    await android.emit(page, 'CapacitorShareTarget', 'shareReceived', {
      title: '',
      texts: [],
      files: [{ name: 'trail.png', mimeType: 'image/png', uri: path }],
    });
    await expect(shown(page, 'shared-content')).toBeVisible();
    await openConversation(page, conversationId);

    const sent = page
      .locator('[data-role="message"]')
      .filter({ visible: true, has: page.locator('[data-role="attachment"]') });
    await expect(sent).toHaveCount(1);
    const received = alice.page
      .locator('[data-role="message"]')
      .filter({ visible: true, has: alice.page.locator('[data-role="attachment"]') });
    await expect(received).toHaveCount(1);
    // Alice opens it: decrypted from what Bob's phone encrypted, at its full size.
    await received.locator('[data-role="attachment-open"]').click();
    const full = alice.page.locator('[data-role="image-viewer"] img');
    await expect.poll(() => full.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(640);
    await context.close();
  });

  test('after a pause whose socket died silently, resuming reconnects and pulls what was missed', async ({
    person,
    browser,
    viewport,
    userAgent,
  }) => {
    const link = await startLinkProxy(new URL(serverUrl()));
    try {
      const bob = await person('Bob');
      const alice = await person('Alice');
      const { context, page, android } = await openOnPhone(
        browser,
        { viewport, userAgent },
        bob,
        link.url,
      );
      const conversationId = await startDirectChat(alice.page, bob);
      await send(alice.page, 'before the tunnel');
      await acceptRequest(page, conversationId);
      await expect(messageWithText(page, 'before the tunnel')).toBeVisible();
      await expect(page.getByTestId('connection-banner')).toHaveAttribute(
        'data-state',
        'up-to-date',
      );

      // The train enters a tunnel: the app goes to the background and its connection dies
      // without either end being told.
      await setPageVisible(page, false);
      await android.emit(page, 'App', 'pause');
      link.cutSilently();
      await send(alice.page, 'while you were away');
      await expect(messageWithText(alice.page, 'while you were away')).toHaveAttribute(
        'data-status',
        'sent',
      );
      await page.waitForTimeout(STALE_SOCKET_AFTER_MS + 1_000);
      await expect(messageWithText(page, 'while you were away')).toHaveCount(0);

      const sockets: string[] = [];
      page.on('websocket', (socket) => sockets.push(socket.url()));
      await setPageVisible(page, true);
      await android.emit(page, 'App', 'resume');
      // socket.io alone would notice the dead socket only after its ping timeout (20 s or more
      // after the cut); the app reconnects and pulls at once.
      await expect(messageWithText(page, 'while you were away')).toBeVisible({ timeout: 5_000 });
      expect(sockets.length).toBeGreaterThan(0);
      await context.close();
    } finally {
      await link.stop();
    }
  });
});
