import { randomBytes } from 'node:crypto';
import { pushPayload } from '@anochat/schemas/api/push';
import { startPushService } from '@anochat/test-support/push-service';
import type { BrowserContext, Page } from '@playwright/test';
import {
  aliceWritesToBob,
  backToList,
  expect,
  messageWithText,
  register,
  send,
  serverUrl,
  shown,
  startDirectChat,
  test,
  uniqueUsername,
} from './support/app.ts';

/**
 * Notifications (issue 16, point 2): the browser's notification centre, its permission prompt and
 * its push service are outside the page. An init script records what the page asks of
 * `Notification` (and still calls the browser's own); the push service is a local stand-in
 * (tests/support/push-service.ts) that checks and decrypts what the server sends it.
 */
declare global {
  interface Window {
    recorded: { notices: { title: string; body: string; tag: string }[]; permissionAsks: number };
  }
}

function recordNotifications(): void {
  const Browser = window.Notification;
  const recorded: Window['recorded'] = { notices: [], permissionAsks: 0 };
  class Recorded extends Browser {
    constructor(title: string, options: NotificationOptions = {}) {
      recorded.notices.push({ title, body: options.body ?? '', tag: options.tag ?? '' });
      super(title, options);
    }
    static override get permission() {
      return Browser.permission;
    }
    static override requestPermission(): Promise<NotificationPermission> {
      recorded.permissionAsks += 1;
      return Browser.requestPermission();
    }
  }
  Object.assign(window, { Notification: Recorded, recorded });
}

const recorded = (page: Page) => page.evaluate(() => window.recorded);

/**
 * Loads a page and waits for the first sync after it: what arrives during that sync is the
 * backlog, which counts but does not notify.
 */
async function openCaughtUp(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await expect(page.getByTestId('connection-banner')).toHaveAttribute('data-state', 'up-to-date');
}

/** A fresh context for someone, with `Notification` recorded from the first page on. */
async function recordingPerson(
  freshPage: () => Promise<{ context: BrowserContext; page: Page }>,
  name: string,
) {
  const { context, page } = await freshPage();
  await context.addInitScript(recordNotifications);
  const username = uniqueUsername(name);
  await register(page, {
    username,
    password: `pw-${randomBytes(6).toString('hex')}`,
    displayName: name,
  });
  return { context, page };
}

test('notifications are not asked for on first load, but offered once the person has sent a message', async ({
  freshPage,
  person,
}) => {
  const bob = await person('Bob');
  const alice = await recordingPerson(freshPage, 'Alice');
  await alice.page.reload();
  await expect(shown(alice.page, 'new-chat')).toBeVisible();
  expect((await recorded(alice.page)).permissionAsks).toBe(0);
  await expect(shown(alice.page, 'notification-offer')).toHaveCount(0);

  const conversationId = await startDirectChat(alice.page, bob);
  await send(alice.page, 'hello Bob');
  await backToList(alice.page);
  await expect(shown(alice.page, 'notification-offer')).toBeVisible();
  expect((await recorded(alice.page)).permissionAsks).toBe(0);
  // Under the chats, so that its arrival moves none of them (after a login it comes with the sync).
  const offerTop = (await shown(alice.page, 'notification-offer').boundingBox())?.y ?? 0;
  const rowTop = (await shown(alice.page, `conversation-${conversationId}`).boundingBox())?.y;
  expect(offerTop).toBeGreaterThan(rowTop ?? Number.POSITIVE_INFINITY);

  // The person says yes (the browser's prompt is outside the page: the grant stands in for it).
  await alice.context.grantPermissions(['notifications'], { origin: serverUrl() });
  await shown(alice.page, 'notification-offer-accept').click();
  await expect(shown(alice.page, 'notification-offer')).toHaveCount(0);
  expect((await recorded(alice.page)).permissionAsks).toBe(1);
});

test('a message in a conversation not on screen notifies with the sender and "New message", the title counts it, and a mute silences both', async ({
  person,
}) => {
  const { alice, bob, conversationId } = await aliceWritesToBob(person, 'first');
  // Bob has read it (a reload before his read mark is written would leave it unread: he saw it
  // for less than the receipts' half-second batch).
  await expect(messageWithText(alice.page, 'first')).toHaveAttribute('data-status', 'read');
  await bob.context.grantPermissions(['notifications'], { origin: serverUrl() });
  await bob.context.addInitScript(recordNotifications);
  await openCaughtUp(bob.page, '/chats');
  await expect(shown(bob.page, `conversation-${conversationId}`)).toBeVisible();
  await expect(bob.page).toHaveTitle('AnoChat');

  await send(alice.page, 'the secret plan');
  await expect
    .poll(async () => (await recorded(bob.page)).notices)
    .toEqual([{ title: 'Alice', body: 'New message', tag: conversationId }]);
  await expect(bob.page).toHaveTitle('(1) AnoChat');

  // Muted in the chat info: the list still counts it, the title does not, and nothing notifies.
  await bob.page.goto(`/chats/${conversationId}/info`);
  await shown(bob.page, 'mute-always').click();
  await expect(shown(bob.page, 'mute-state')).toHaveText('Muted');
  await openCaughtUp(bob.page, '/chats');
  const row = shown(bob.page, `conversation-${conversationId}`);
  await expect(row.locator('[data-role="muted"]')).toBeVisible();
  await expect(bob.page).toHaveTitle('AnoChat');
  await send(alice.page, 'while muted');
  await expect(row.locator('[data-role="preview"]')).toContainText('while muted');
  await expect(row.locator('[data-role="unread"]')).toHaveText('2');
  await expect(bob.page).toHaveTitle('AnoChat');
  expect((await recorded(bob.page)).notices).toEqual([]);

  await bob.page.goto(`/chats/${conversationId}/info`);
  await shown(bob.page, 'unmute').click();
  await expect(shown(bob.page, 'mute-1h')).toBeVisible();
  await openCaughtUp(bob.page, '/chats');
  await expect(bob.page).toHaveTitle('(2) AnoChat');
  await send(alice.page, 'heard again');
  await expect
    .poll(async () => (await recorded(bob.page)).notices)
    .toEqual([{ title: 'Alice', body: 'New message', tag: conversationId }]);
  await expect(messageWithText(alice.page, 'heard again')).toBeVisible();
});

test('a browser that allows notifications registers its push subscription, and a message to that person makes the server push it, without content', async ({
  freshPage,
  person,
}) => {
  const pushService = await startPushService();
  try {
    const subscription = pushService.subscribe();
    const alice = await person('Alice');
    const { context, page } = await freshPage();
    await context.grantPermissions(['notifications'], { origin: serverUrl() });
    // Chromium here has no push service: its PushManager hands out the stand-in's subscription.
    await context.addInitScript((stand) => {
      let current: PushSubscription | null = null;
      PushManager.prototype.getSubscription = async () => current;
      PushManager.prototype.subscribe = async (options?: PushSubscriptionOptionsInit) => {
        current = {
          endpoint: stand.endpoint,
          options: { applicationServerKey: options?.applicationServerKey ?? null },
          toJSON: () => ({ endpoint: stand.endpoint, expirationTime: null, keys: stand.keys }),
          unsubscribe: async () => {
            current = null;
            return true;
          },
        } as unknown as PushSubscription;
        return current;
      };
    }, subscription);
    const username = uniqueUsername('Bob');
    await register(page, { username, password: 'pw-push-test', displayName: 'Bob' });
    const conversationId = await startDirectChat(alice.page, { username });
    await send(alice.page, 'a secret for Bob');
    await expect.poll(() => pushService.pushesTo(subscription.id).length).toBe(1);
    const [pushed] = pushService.pushesTo(subscription.id);
    expect(pushPayload.parse(JSON.parse(pushed?.plaintext ?? ''))).toEqual({
      type: 'message',
      conversationId,
    });
    expect(pushed?.plaintext).not.toContain('secret');
    expect(pushService.problems).toEqual([]);
  } finally {
    await pushService.close();
  }
});

test('the service worker shows a push as "New message" in its conversation, naming no sender and no text', async ({
  person,
}) => {
  const bob = await person('Bob');
  await bob.context.grantPermissions(['notifications'], { origin: serverUrl() });
  await bob.page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  // The push service is outside this machine: Chromium's DevTools protocol delivers the push.
  const devtools = await bob.context.newCDPSession(bob.page);
  const registrations: { registrationId: string; scopeURL: string }[] = [];
  devtools.on('ServiceWorker.workerRegistrationUpdated', (event) =>
    registrations.push(...event.registrations),
  );
  await devtools.send('ServiceWorker.enable');
  const scope = `${serverUrl()}/`;
  await expect.poll(() => registrations.some((one) => one.scopeURL === scope)).toBe(true);
  const registrationId = registrations.find((one) => one.scopeURL === scope)?.registrationId ?? '';

  // No window of the app is open: the worker alone tells Bob.
  await bob.page.goto('about:blank');
  const conversationId = '01890a5d-ac96-774b-bcce-b302099a8057';
  await devtools.send('ServiceWorker.deliverPushMessage', {
    origin: serverUrl(),
    registrationId,
    data: JSON.stringify({ type: 'message', conversationId }),
  });
  await bob.page.goto('/chats');
  await expect
    .poll(() =>
      bob.page.evaluate(async () =>
        (await (await navigator.serviceWorker.ready).getNotifications()).map((shown) => ({
          title: shown.title,
          body: shown.body,
          tag: shown.tag,
        })),
      ),
    )
    .toEqual([{ title: 'AnoChat', body: 'New message', tag: conversationId }]);
});
