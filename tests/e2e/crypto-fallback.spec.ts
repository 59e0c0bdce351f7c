import { randomBytes } from 'node:crypto';
import { chatBothWays, expect, register, test, uniqueUsername } from './support/app.ts';

test.describe('the pure-JavaScript crypto fallback', () => {
  test('where the WebAssembly module cannot load, the app fetches tweetnacl, registers and chats both ways with someone on WebAssembly', async ({
    freshPage,
    person,
  }, testInfo) => {
    test.skip(testInfo.project.name !== 'desktop', 'the crypto is the same at every viewport');
    const bob = await person('Bob');
    const { context, page } = await freshPage();
    let refusedWasm = 0;
    await context.route('**/*.wasm', (route) => {
      refusedWasm += 1;
      return route.abort();
    });
    const username = uniqueUsername('Alice');
    await register(page, {
      username,
      password: `pw-${randomBytes(6).toString('hex')}`,
      displayName: 'Alice',
    });
    expect(refusedWasm).toBeGreaterThan(0);
    expect(
      await page.evaluate(
        () =>
          (globalThis as unknown as { anochat: { cryptoProvider: string } }).anochat.cryptoProvider,
      ),
    ).toBe('tweetnacl');

    await chatBothWays(page, bob, 'sealed by tweetnacl', 'opened by tweetnacl');
  });
});
