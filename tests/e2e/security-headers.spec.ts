import type { Page } from '@playwright/test';
import {
  chatBothWays,
  expect,
  messageWithText,
  ownUserId,
  register,
  serverUrl,
  test,
  uniqueUsername,
} from './support/app.ts';

interface Violation {
  directive: string;
  blockedURI: string;
  sample: string;
}

/** Records every CSP violation the page reports, from the first script on, into `window.__violations`. */
async function recordViolations(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: Violation[] = [];
    (globalThis as unknown as { __violations: Violation[] }).__violations = seen;
    document.addEventListener('securitypolicyviolation', (event) => {
      seen.push({
        directive: event.effectiveDirective,
        blockedURI: event.blockedURI,
        sample: event.sample,
      });
    });
  });
}

function violations(page: Page): Promise<Violation[]> {
  return page.evaluate(
    () => (globalThis as unknown as { __violations: Violation[] }).__violations ?? [],
  );
}

test.describe('the web app under its Content-Security-Policy', () => {
  test('the page is served with the strict policy and the other security headers', async ({
    request,
  }) => {
    const page = await request.get(`${serverUrl()}/`);
    const headers = page.headers();
    expect(headers['content-security-policy']).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(headers['permissions-policy']).toContain('camera=()');
  });

  test('registering and chatting both ways run without a single violation; an injected inline script is refused', async ({
    freshPage,
    person,
  }) => {
    // Alice's page records violations from its first load (the service worker, the WebAssembly
    // module and Ionic's styles are all part of it).
    const { page } = await freshPage();
    await recordViolations(page);
    const bob = await person('Bob');
    await recordViolations(bob.page);
    await bob.page.reload();

    await register(page, {
      username: uniqueUsername('Alice'),
      password: 'pw-strict-policy-1',
      displayName: 'Alice',
    });
    expect(await ownUserId(page)).toMatch(/^[0-9a-f-]{36}$/);
    const conversationId = await chatBothWays(
      page,
      bob,
      'Hello under a strict policy',
      'And back again',
    );
    // The WebAssembly provider loaded (the policy let it compile), not the pure-JS fallback.
    await page.goto('/settings');
    await expect(page.getByText('Encryption: WebAssembly (libsodium)')).toBeVisible();

    expect(await violations(page)).toEqual([]);
    expect(await violations(bob.page)).toEqual([]);

    // Offline, the service worker serves the page it precached, with the nonce and the policy it
    // was fetched with: the app starts and shows the conversation, still without a violation.
    await page.context().setOffline(true);
    await page.goto(`/chats/${conversationId}`);
    await expect(messageWithText(page, 'And back again')).toBeVisible();
    expect(await violations(page)).toEqual([]);
    await page.context().setOffline(false);

    // An attacker's inline script (as an XSS would inject it) does not run, and is reported.
    const ran = await page.evaluate(async () => {
      const script = document.createElement('script');
      script.textContent = 'globalThis.__inlineScriptRan = true;';
      document.head.append(script);
      await new Promise((resolve) => setTimeout(resolve, 100));
      return (globalThis as unknown as { __inlineScriptRan?: boolean }).__inlineScriptRan === true;
    });
    expect(ran).toBe(false);
    await expect
      .poll(async () => (await violations(page)).map((violation) => violation.directive))
      .toContain('script-src-elem');
    // So is an inline event handler, and a script from another origin.
    const handlerRan = await page.evaluate(async () => {
      const image = document.createElement('img');
      image.setAttribute('onerror', 'globalThis.__handlerRan = true');
      image.src = 'data:,not-an-image';
      document.body.append(image);
      await new Promise((resolve) => setTimeout(resolve, 200));
      return (globalThis as unknown as { __handlerRan?: boolean }).__handlerRan === true;
    });
    expect(handlerRan).toBe(false);
    await expect
      .poll(async () => (await violations(page)).map((violation) => violation.directive))
      .toContain('script-src-attr');
  });
});
