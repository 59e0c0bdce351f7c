import type { BrowserContext, Page } from '@playwright/test';
import type { FaultProxy, LinkShape } from '../chaos/fault-proxy.ts';
import {
  acceptRequest,
  test as base,
  expect,
  messageWithText,
  ownUserId,
  register,
  send,
  shownTexts,
  startDirectChat,
  uniqueUsername,
} from './support/app.ts';
import { type ProxiedStack, startProxiedStack } from './support/proxied-stack.ts';

/**
 * Delivery through a bad link and a crashing server, in Chromium: each person's browser reaches
 * the sync server through a fault proxy of the test (tests/chaos/fault-proxy.ts; Chromium's own
 * throttling does not slow WebSockets), and the test has a server of its own that it SIGKILLs.
 */
interface ProxiedPerson {
  name: string;
  username: string;
  userId: string;
  context: BrowserContext;
  page: Page;
  link: FaultProxy;
}

const test = base.extend<{
  personVia(name: string, link: Partial<LinkShape>): Promise<ProxiedPerson>;
}>({
  personVia: async ({ freshPage }, use) => {
    await use(async (name, shape) => {
      const link = await stack.link(shape);
      const { context, page } = await freshPage(link.url);
      const username = uniqueUsername(name);
      await register(page, { username, password: `pw-${name}-chaos-link`, displayName: name });
      return { name, username, userId: await ownUserId(page), context, page, link };
    });
  },
});

let stack: ProxiedStack;
test.beforeAll(async () => {
  stack = await startProxiedStack();
});
test.afterAll(async () => {
  await stack?.stop();
});

/** 800 ms round trips with jitter and 512 KB/s, like a congested mobile link far away. */
const THROTTLED: Partial<LinkShape> = { latencyMs: 400, jitterMs: 60, bytesPerSecond: 512_000 };

async function expectDeliveredOnBothSides(
  sender: ProxiedPerson,
  receiver: ProxiedPerson,
  texts: string[],
) {
  await expect.poll(() => shownTexts(receiver.page), { timeout: 60_000 }).toEqual(texts);
  await expect.poll(() => shownTexts(sender.page), { timeout: 60_000 }).toEqual(texts);
  for (const text of texts) {
    await expect(messageWithText(sender.page, text)).toHaveAttribute(
      'data-status',
      /delivered|read/,
      {
        timeout: 60_000,
      },
    );
  }
  for (const person of [sender, receiver]) {
    await expect(person.page.getByTestId('connection-banner')).toHaveAttribute(
      'data-state',
      'up-to-date',
      {
        timeout: 60_000,
      },
    );
  }
}

test.describe('delivery through a fault proxy', () => {
  test.describe.configure({ timeout: 240_000 });

  test('on a throttled link the sender reloads right after sending, goes offline and online: every message delivered on both sides', async ({
    personVia,
  }) => {
    const alice = await personVia('Alice', THROTTLED);
    const bob = await personVia('Bob', { latencyMs: 20 });
    const conversationId = await startDirectChat(alice.page, bob);
    await send(alice.page, 'over a slow link');
    await acceptRequest(bob.page, conversationId);
    await expect(messageWithText(bob.page, 'over a slow link')).toBeVisible({ timeout: 60_000 });

    // Sent, and the page reloaded at once: the pushes are still on their way (or their answers are).
    const beforeReload = [
      'sent before a reload 1',
      'sent before a reload 2',
      'sent before a reload 3',
    ];
    for (const text of beforeReload) await send(alice.page, text);
    await alice.page.reload();
    await expect(messageWithText(alice.page, beforeReload[2] ?? '')).toBeVisible({
      timeout: 60_000,
    });

    await alice.context.setOffline(true);
    await expect(alice.page.getByTestId('connection-banner')).toHaveAttribute(
      'data-state',
      'offline',
    );
    const offline = ['written offline 1', 'written offline 2'];
    for (const text of offline) await send(alice.page, text);
    await alice.context.setOffline(false);

    await expectDeliveredOnBothSides(alice, bob, ['over a slow link', ...beforeReload, ...offline]);
  });

  test('the server is SIGKILLed while messages are in flight and comes back: every message delivered once, in order', async ({
    personVia,
  }) => {
    const alice = await personVia('Alice', { latencyMs: 300, jitterMs: 40 });
    const bob = await personVia('Bob', { latencyMs: 300, jitterMs: 40 });
    const conversationId = await startDirectChat(alice.page, bob);
    await send(alice.page, 'before the crash');
    await acceptRequest(bob.page, conversationId);
    await expect(messageWithText(bob.page, 'before the crash')).toBeVisible({ timeout: 60_000 });

    const inFlight = ['in flight 1', 'in flight 2', 'in flight 3', 'in flight 4'];
    for (const text of inFlight) await send(alice.page, text);
    stack.kill();
    const whileDown = ['while the server is down'];
    for (const text of whileDown) await send(alice.page, text);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await stack.start();

    await expectDeliveredOnBothSides(alice, bob, ['before the crash', ...inFlight, ...whileDown]);
  });
});
