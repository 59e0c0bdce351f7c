import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { randomSecret, register, request } from '@anochat/test-support/api';
import { useSyncServer } from '@anochat/test-support/suite';

const webApp = mkdtempSync(join(tmpdir(), 'anochat-web-'));
mkdirSync(join(webApp, 'assets'));
writeFileSync(
  join(webApp, 'index.html'),
  '<!doctype html><html><head><title>app</title></head><body></body></html>',
);
writeFileSync(join(webApp, 'sw.js'), 'self.addEventListener("install", () => {});');
writeFileSync(join(webApp, 'assets', 'main-abc123.js'), 'console.log(1);');

const suite = useSyncServer({ WEB_APP_DIR: webApp });
const url = () => suite.server.baseUrl;
after(() => rmSync(webApp, { recursive: true, force: true }));

function directivesOf(headers: Headers): Map<string, string[]> {
  const csp = headers.get('content-security-policy') ?? '';
  return new Map(
    csp.split(';').map((part) => {
      const [name = '', ...values] = part.trim().split(/\s+/);
      return [name, values] as const;
    }),
  );
}

function assertSecurityHeaders(headers: Headers, what: string, page = false): void {
  const csp = headers.get('content-security-policy') ?? '';
  const directives = directivesOf(headers);
  assert.deepEqual(directives.get('script-src'), ["'self'", "'wasm-unsafe-eval'"], what);
  const [self, nonce, ...more] = directives.get('style-src') ?? [];
  assert.equal(self, "'self'", what);
  assert.deepEqual(more, [], what);
  if (page) assert.match(nonce ?? '', /^'nonce-[A-Za-z0-9+/]{22}=='$/, what);
  else assert.equal(nonce, undefined, what);
  assert.deepEqual(directives.get('default-src'), ["'none'"], what);
  assert.deepEqual(directives.get('frame-ancestors'), ["'none'"], what);
  assert.deepEqual(directives.get('object-src'), ["'none'"], what);
  assert.deepEqual(directives.get('base-uri'), ["'none'"], what);
  assert.ok(!csp.includes('unsafe-inline') && !csp.includes("'unsafe-eval'"), what);
  assert.equal(headers.get('x-content-type-options'), 'nosniff', what);
  assert.equal(headers.get('referrer-policy'), 'no-referrer', what);
  assert.equal(headers.get('cross-origin-opener-policy'), 'same-origin', what);
  assert.equal(headers.get('x-frame-options'), 'DENY', what);
  assert.match(headers.get('permissions-policy') ?? '', /camera=\(\).*microphone=\(\)/, what);
}

describe('security headers', () => {
  it('every answer of the web app carries the policy: page, deep link, asset, service worker, a miss', async () => {
    for (const path of ['/', '/index.html', '/chats/some-conversation']) {
      const answer = await fetch(`${url()}${path}`);
      assertSecurityHeaders(answer.headers, path, true);
    }
    for (const path of ['/assets/main-abc123.js', '/sw.js', '/x.png']) {
      const answer = await fetch(`${url()}${path}`);
      assertSecurityHeaders(answer.headers, path);
    }
    const page = await fetch(`${url()}/`);
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    const asset = await fetch(`${url()}/assets/main-abc123.js`);
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
  });

  it("the page's style nonce is fresh on every answer and the same in its meta tag and its policy", async () => {
    const nonces = [];
    for (let i = 0; i < 3; i += 1) {
      const answer = await fetch(`${url()}/chats`);
      const nonce = /^'nonce-(.+)'$/.exec(
        directivesOf(answer.headers).get('style-src')?.[1] ?? '',
      )?.[1];
      assert.ok(nonce);
      assert.ok((await answer.text()).includes(`<meta name="csp-nonce" content="${nonce}" />`));
      nonces.push(nonce);
    }
    assert.equal(new Set(nonces).size, 3);
  });

  it('every API answer is no-store: tokens, key backups and errors alike', async () => {
    const account = await register(url());
    const answers = {
      register: await request(url(), 'POST', '/api/auth/register', { body: { username: 'x' } }),
      login: await request(url(), 'POST', '/api/auth/login', {
        body: { username: account.username, authSecret: randomSecret(), device: {} },
      }),
      keyBackup: await request(url(), 'POST', '/api/auth/key-backup', {
        body: { username: account.username, authSecret: account.authSecret },
      }),
      refresh: await request(url(), 'POST', '/api/auth/refresh', {
        body: { refreshToken: account.session.refreshToken },
      }),
      devices: await request(url(), 'GET', '/api/devices', { token: account.session.accessToken }),
      missing: await request(url(), 'GET', '/api/nothing'),
      health: await request(url(), 'GET', '/api/health'),
    };
    assert.equal(answers.keyBackup.status, 200);
    assert.equal(answers.refresh.status, 200);
    for (const [name, answer] of Object.entries(answers)) {
      assert.equal(answer.headers.get('cache-control'), 'no-store', name);
      assertSecurityHeaders(answer.headers, name);
    }
  });

  it('socket.io long-polling answers are no-store too', async () => {
    const answer = await fetch(`${url()}/socket.io/?EIO=4&transport=polling`);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    assert.equal(answer.headers.get('x-content-type-options'), 'nosniff');
  });
});
