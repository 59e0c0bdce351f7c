import { randomBytes } from 'node:crypto';
import {
  type BrowserContext,
  test as base,
  expect,
  type Locator,
  type Page,
} from '@playwright/test';
import pg from 'pg';

/** One person in the test: their own browser context (own IndexedDB, own service worker). */
export interface Person {
  name: string;
  username: string;
  password: string;
  context: BrowserContext;
  page: Page;
  userId: string;
}

/** Where global-setup.ts started the sync server (which also serves the built app). */
export function serverUrl(): string {
  const url = process.env.ANOCHAT_URL;
  if (url === undefined)
    throw new Error('ANOCHAT_URL is not set: run through playwright.config.ts');
  return url;
}

export function uniqueUsername(name: string): string {
  return `${name.toLowerCase()}_${randomBytes(4).toString('hex')}`;
}

export const test = base.extend<{
  /**
   * A new person in a fresh context with this project's device settings, registered; `name` is
   * their display name and begins their username unless `displayName` says otherwise.
   */
  person(name: string, options?: { displayName?: string }): Promise<Person>;
  /**
   * A fresh context (same device settings) for someone who will log in; at `baseURL` when the
   * app is reached another way than the suite's server (a fault proxy, say).
   */
  freshPage(baseURL?: string): Promise<{ context: BrowserContext; page: Page }>;
}>({
  freshPage: async (
    { browser, viewport, userAgent, isMobile, hasTouch, deviceScaleFactor },
    use,
  ) => {
    const contexts: BrowserContext[] = [];
    await use(async (baseURL = serverUrl()) => {
      const context = await browser.newContext({
        baseURL,
        viewport,
        ...(userAgent ? { userAgent } : {}),
        ...(deviceScaleFactor ? { deviceScaleFactor } : {}),
        isMobile,
        hasTouch,
      });
      contexts.push(context);
      const page = await context.newPage();
      // Set E2E_CONSOLE=1 to see what the app logs (sync errors, refused rows).
      if (process.env.E2E_CONSOLE) {
        const label = contexts.length;
        page.on('console', (message) =>
          console.log(`[page ${label}] ${message.type()}: ${message.text()}`),
        );
      }
      return { context, page };
    });
    for (const context of contexts) await context.close();
  },
  person: async ({ freshPage }, use) => {
    await use(async (name, options) => {
      const { context, page } = await freshPage();
      const username = uniqueUsername(name);
      const password = `pw-${randomBytes(6).toString('hex')}`;
      await register(page, { username, password, displayName: options?.displayName ?? name });
      const userId = await ownUserId(page);
      return { name, username, password, context, page, userId };
    });
  },
});

export { expect };

/**
 * The element with this test id on the page in view: Ionic keeps earlier pages of the navigation
 * stack in the DOM, hidden.
 */
export function shown(page: Page, testId: string): Locator {
  return page.getByTestId(testId).filter({ visible: true });
}

export async function register(
  page: Page,
  input: { username: string; password: string; displayName: string },
  /** Where the app lands once registered: the chats, unless a link was opened first. */
  landsOn: RegExp = /\/chats$/,
): Promise<void> {
  await page.goto('/login');
  await shown(page, 'mode-register').click();
  await shown(page, 'username').locator('input').fill(input.username);
  await shown(page, 'display-name').locator('input').fill(input.displayName);
  await shown(page, 'password').locator('input').fill(input.password);
  await shown(page, 'password-confirmation').locator('input').fill(input.password);
  await shown(page, 'submit').click();
  await expect(page).toHaveURL(landsOn);
}

export async function login(page: Page, input: { username: string; password: string }) {
  await page.goto('/login');
  await shown(page, 'mode-login').click();
  await shown(page, 'username').locator('input').fill(input.username);
  await shown(page, 'password').locator('input').fill(input.password);
  await shown(page, 'submit').click();
}

/** Back to the conversation list (on a phone the open chat covers it). */
export async function backToList(page: Page): Promise<void> {
  if ((await shown(page, 'open-settings').count()) > 0) return;
  await page.locator('ion-back-button').filter({ visible: true }).click();
  await expect(shown(page, 'open-settings')).toBeVisible();
}

/** Reads the user ID from Settings, as a person would to share it, and comes back. */
export async function ownUserId(page: Page): Promise<string> {
  await shown(page, 'open-settings').click();
  const id = (await shown(page, 'my-user-id').textContent())?.trim() ?? '';
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  await page.goBack();
  await expect(page).toHaveURL(/\/chats/);
  return id;
}

/**
 * Finds `person` by their username in the people picker on screen (New chat, New group, group
 * info) and picks them: a contact at once, anyone else once the server answered the search.
 */
export async function pickPerson(page: Page, person: { username: string }): Promise<void> {
  await shown(page, 'contact-search').locator('input').fill(person.username);
  await shown(page, `contact-${person.username}`)
    .or(shown(page, `found-${person.username}`))
    .click();
}

/** Starts (or opens) the direct chat with `peer`, found by name; returns the conversation id. */
export async function startDirectChat(page: Page, peer: { username: string }): Promise<string> {
  await shown(page, 'new-chat').click();
  await pickPerson(page, peer);
  await expect(page).toHaveURL(/\/chats\/[0-9a-f-]{36}$/);
  return page.url().split('/').pop() ?? '';
}

/** Creates a group with `members` added by name; returns its id. */
export async function createGroup(
  page: Page,
  title: string,
  members: readonly { username: string }[],
): Promise<string> {
  await shown(page, 'new-group').click();
  await shown(page, 'group-title').locator('input').fill(title);
  for (const member of members) {
    await pickPerson(page, member);
    await expect(shown(page, `chosen-${member.username}`)).toBeVisible();
  }
  await shown(page, 'create-group').click();
  await expect(page).toHaveURL(/\/chats\/[0-9a-f-]{36}$/);
  return page.url().split('/').pop() ?? '';
}

export function composer(page: Page): Locator {
  return shown(page, 'composer');
}

export async function send(page: Page, text: string): Promise<void> {
  const field = composer(page);
  await expect(field).toBeEnabled();
  await field.fill(text);
  await field.press('Enter');
  await expect(field).toHaveValue('');
}

export function messages(page: Page): Locator {
  return page.locator('[data-role="message"]').filter({ visible: true });
}

export function messageWithText(page: Page, text: string): Locator {
  return messages(page).filter({ has: page.locator('[data-role="text"]', { hasText: text }) });
}

/**
 * Holds a finger on the element for `ms` (Chromium's touch input through the DevTools protocol:
 * Playwright has taps only), as a person does to open a message's actions on a phone.
 */
export async function longPress(page: Page, target: Locator, ms = 700): Promise<void> {
  const box = await target.boundingBox();
  if (box === null) throw new Error('long press on an element that is not shown');
  const point = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  const session = await page.context().newCDPSession(page);
  try {
    await session.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point] });
    await page.waitForTimeout(ms);
    await session.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  } finally {
    await session.detach();
  }
}

/** A screen without hover (the phone project): message actions open by a long press there. */
export async function isTouchScreen(page: Page): Promise<boolean> {
  return page.evaluate(() => matchMedia('(hover: none)').matches);
}

/**
 * Opens the actions of this message as a person would: hovering shows its "⋯" button on a desktop,
 * a long press opens them on a touch screen.
 */
export async function openMessageActions(page: Page, message: Locator): Promise<void> {
  if (await isTouchScreen(page)) {
    await longPress(page, message.locator('[data-role="text"]').first());
  } else {
    await message.hover();
    await message.locator('[data-role="actions"]').click();
  }
  await expect(message.locator('[data-role="menu"]')).toBeVisible();
}

/** Chooses `action` (a data-role such as `reply`, `edit`, `react-👍`) on the message with `text`. */
export async function messageAction(page: Page, text: string, action: string): Promise<void> {
  const message = messageWithText(page, text);
  await openMessageActions(page, message);
  await message.locator(`[data-role="${action}"]`).click();
}

/** The texts of the conversation as shown, in order. */
export async function shownTexts(page: Page): Promise<string[]> {
  return page
    .locator('[data-role="message"] [data-role="text"]')
    .filter({ visible: true })
    .allTextContents();
}

/** Confirms the step the app asked about (logging out, leaving a group, deleting for everyone). */
export async function confirmStep(page: Page): Promise<void> {
  await page.getByTestId('confirm-step').click();
}

export async function openConversation(page: Page, conversationId: string): Promise<void> {
  await shown(page, `conversation-${conversationId}`).click();
  await expect(page).toHaveURL(new RegExp(`/chats/${conversationId}$`));
}

/**
 * From the conversation list, the person accepts the message request of this conversation in the
 * requests list (someone who does not know them started it, or invited them), which opens it.
 */
export async function acceptRequest(page: Page, conversationId: string): Promise<void> {
  await shown(page, 'message-requests').click();
  await expect(page).toHaveURL(/\/requests$/);
  await shown(page, `accept-${conversationId}`).click();
  await expect(page).toHaveURL(new RegExp(`/chats/${conversationId}$`));
}

/**
 * Alice and Bob, newly registered: Alice opens a direct chat with `firstMessage`, and Bob accepts
 * her request and sees it (so both are live in it).
 */
export async function aliceWritesToBob(
  person: (name: string) => Promise<Person>,
  firstMessage: string,
): Promise<{ alice: Person; bob: Person; conversationId: string }> {
  const alice = await person('Alice');
  const bob = await person('Bob');
  const conversationId = await startDirectChat(alice.page, bob);
  await send(alice.page, firstMessage);
  await acceptRequest(bob.page, conversationId);
  await expect(messageWithText(bob.page, firstMessage)).toBeVisible();
  return { alice, bob, conversationId };
}

/**
 * From `page`, a direct chat with `peer`, who accepts it: `there` reaches the peer, `back` reaches
 * `page`. Returns the conversation's id.
 */
export async function chatBothWays(
  page: Page,
  peer: Person,
  there: string,
  back: string,
): Promise<string> {
  const conversationId = await startDirectChat(page, peer);
  await send(page, there);
  await acceptRequest(peer.page, conversationId);
  await expect(messageWithText(peer.page, there)).toBeVisible();
  await send(peer.page, back);
  await expect(messageWithText(page, back)).toBeVisible();
  return conversationId;
}

/**
 * Runs SQL on the sync server's own database: how a test plays a server that lies (the threat
 * end-to-end encryption and safety numbers exist for).
 */
export async function asDishonestServer(sql: string, values: unknown[]): Promise<void> {
  const url = process.env.ANOCHAT_DATABASE_URL;
  if (url === undefined) {
    throw new Error('ANOCHAT_DATABASE_URL is not set: run through playwright.config.ts');
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql, values);
  } finally {
    await client.end();
  }
}
