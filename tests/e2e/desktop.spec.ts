import type { AppContext } from '../../app/src/app-context.ts';
/**
 * The desktop app's renderer in Chromium. Electron's binary cannot be downloaded on this machine,
 * so the main process is played by the test (support/desktop-shell.ts): the page gets the
 * preload's bridge API and is served by the main process's own scheme handler, under its
 * Content-Security-Policy. The sync server, the database, the crypto and the other person are real.
 */
import {
  acceptRequest,
  expect,
  login,
  messageWithText,
  send,
  serverUrl,
  shown,
  startDirectChat,
  test,
} from './support/app.ts';
import { DESKTOP_ORIGIN, installDesktopShell } from './support/desktop-shell.ts';

test.describe('the desktop app', () => {
  test.skip(({ isMobile }) => isMobile, 'a desktop app');

  test('chooses its server at first start, logs in, chats, notifies and counts unread on the badge', async ({
    person,
    browser,
  }) => {
    // Bob has an account already (made on the web) and installs the desktop app.
    const bob = await person('Bob');
    const alice = await person('Alice');
    const context = await browser.newContext({
      baseURL: DESKTOP_ORIGIN,
      viewport: { width: 1280, height: 800 },
    });
    const desktop = await installDesktopShell(context);
    const page = await context.newPage();

    await page.goto('/');
    await expect(page).toHaveURL(/\/server$/);
    await shown(page, 'server-url').locator('input').fill('ftp://nowhere.example');
    await shown(page, 'choose-server').click();
    await expect(shown(page, 'server-error')).toContainText('https://');
    expect(desktop.server).toBeNull();
    await shown(page, 'server-url').locator('input').fill(`${serverUrl()}/`);
    await shown(page, 'choose-server').click();
    await expect(page).toHaveURL(/\/login$/);
    expect(desktop.server).toBe(serverUrl());

    await login(page, { username: bob.username, password: bob.password });
    await expect(page).toHaveURL(/\/chats$/);
    // The device keys went to the operating system's store, through the bridge.
    expect(JSON.parse(desktop.secrets.get('device-secrets') ?? '{}')).toMatchObject({
      userId: bob.userId,
    });

    // What arrives during the first sync after a login is backlog and notifies nobody: Alice
    // writes once the desktop app is up to date.
    await page.evaluate(async () => {
      const { account } = (globalThis as unknown as { anochat: AppContext }).anochat;
      await account.value?.engine.awaitInSync();
    });
    // Alice is a stranger to Bob: her first message is a request, and says only that.
    const conversationId = await startDirectChat(alice.page, bob);
    await send(alice.page, 'hello, it is Alice from the hiking club');
    await expect
      .poll(() => desktop.notifications)
      .toEqual([{ conversationId, title: 'Alice', body: 'Message request' }]);
    // Bob accepts on his phone (the web app), then puts it away: his desktop gets the history.
    // Accepting opens the conversation on the phone, which reads Alice's first message there. The
    // phone is closed only once that read mark has left it, so it reaches the desktop too.
    await acceptRequest(bob.page, conversationId);
    await expect
      .poll(() =>
        bob.page.evaluate(async (receiptId) => {
          const { database } = (globalThis as unknown as { anochat: AppContext }).anochat;
          return (await database.receipts.findOne(receiptId).exec())?.readUpTo ?? null;
        }, `${conversationId}|${bob.userId}`),
      )
      .not.toBeNull();
    await bob.page.evaluate(async () => {
      const { account } = (globalThis as unknown as { anochat: AppContext }).anochat;
      await account.value?.engine.awaitInSync();
    });
    await bob.context.close();
    await expect(shown(page, `conversation-${conversationId}`)).toBeVisible();
    await expect
      .poll(() => desktop.notifications.at(-1))
      .toEqual({ conversationId, title: 'Alice', body: 'New message' });

    // Read on the phone: only what comes after counts on the desktop's badge.
    await send(alice.page, 'a secret only Bob may read');
    await expect.poll(() => desktop.badges.at(-1)).toBe(1);
    await expect
      .poll(() => desktop.notifications.map((notice) => notice.body))
      .toEqual(['Message request', 'New message', 'New message']);

    // Clicking the notification opens the conversation; reading it clears the badge.
    await desktop.emit(context, 'notification-opened', conversationId);
    await expect(page).toHaveURL(new RegExp(`/chats/${conversationId}$`));
    await expect(messageWithText(page, 'a secret only Bob may read')).toBeVisible();
    await expect.poll(() => desktop.badges.at(-1)).toBe(0);

    await send(page, 'read it on my desktop');
    await expect(messageWithText(alice.page, 'read it on my desktop')).toBeVisible();
    expect(desktop.notifications).toHaveLength(3);
    await context.close();
  });

  test('opens pages asked for by anochat:// links and the menu, and changes server from Settings', async ({
    person,
    browser,
  }) => {
    const bob = await person('Bob');
    const context = await browser.newContext({ baseURL: DESKTOP_ORIGIN });
    const desktop = await installDesktopShell(context);
    desktop.server = serverUrl();
    const page = await context.newPage();
    await login(page, { username: bob.username, password: bob.password });
    await expect(page).toHaveURL(/\/chats$/);

    await desktop.emit(context, 'navigate', '/settings');
    await expect(page).toHaveURL(/\/settings$/);
    await desktop.emit(context, 'navigate', '/chats');
    await expect(page).toHaveURL(/\/chats$/);

    await shown(page, 'open-settings').click();
    await shown(page, 'change-server').click();
    await expect(page).toHaveURL(/\/server$/);
    await shown(page, 'server-url').locator('input').fill('http://127.0.0.1:9');
    await shown(page, 'choose-server').click();
    // A new server: signed out here, and this device's keys forgotten.
    await expect(page).toHaveURL(/\/login$/);
    expect(desktop.server).toBe('http://127.0.0.1:9');
    expect(desktop.secrets.has('device-secrets')).toBe(false);
    await context.close();
  });
});

test.describe('the desktop renderer’s Content-Security-Policy', () => {
  test.skip(({ isMobile }) => isMobile, 'a desktop app');

  test('refuses connections to anything but the chosen server, and inline scripts', async ({
    browser,
  }) => {
    const context = await browser.newContext({ baseURL: DESKTOP_ORIGIN });
    const desktop = await installDesktopShell(context);
    desktop.server = serverUrl();
    const page = await context.newPage();
    await page.goto('/login');
    await expect(shown(page, 'submit')).toBeVisible();
    const violations = await page.evaluate(async (server) => {
      const seen: string[] = [];
      document.addEventListener('securitypolicyviolation', (event) =>
        seen.push(`${event.effectiveDirective} ${event.blockedURI}`),
      );
      const reach = (url: string) =>
        fetch(url).then(
          () => 'reached',
          () => 'refused',
        );
      const answers = [await reach(`${server}/api/health`), await reach('https://example.com/')];
      const inline = document.createElement('script');
      inline.textContent = 'window.injected = true';
      document.body.append(inline);
      await new Promise((resolve) => setTimeout(resolve, 200));
      return { answers, seen, injected: 'injected' in window };
    }, serverUrl());
    expect(violations.answers).toEqual(['reached', 'refused']);
    expect(violations.injected).toBe(false);
    expect(violations.seen).toEqual(
      expect.arrayContaining(['connect-src https://example.com/', 'script-src-elem inline']),
    );
    await context.close();
  });
});

test.describe('the web app', () => {
  test('keeps its own server and shows no server choice', async ({ person }) => {
    const alice = await person('Alice');
    await shown(alice.page, 'open-settings').click();
    await expect(shown(alice.page, 'my-user-id')).toBeVisible();
    await expect(alice.page.getByTestId('change-server')).toHaveCount(0);
    await alice.page.goto('/server');
    await expect(alice.page.getByTestId('server-url')).toHaveCount(0);
  });
});
