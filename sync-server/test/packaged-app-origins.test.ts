import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useSyncServer } from '@anochat/test-support/suite';

const suite = useSyncServer();

describe('the API and the packaged apps', () => {
  it('answers the desktop and mobile apps’ preflight, naming their origin', async () => {
    for (const origin of ['app://anochat', 'capacitor://localhost', 'https://localhost']) {
      const preflight = await fetch(`${suite.server.baseUrl}/api/auth/login`, {
        method: 'OPTIONS',
        headers: {
          Origin: origin,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization, content-type',
        },
      });
      assert.equal(preflight.status, 204, origin);
      assert.equal(preflight.headers.get('access-control-allow-origin'), origin);
      assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/);
      assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
      assert.equal(preflight.headers.get('access-control-allow-credentials'), null);
    }
    const health = await fetch(`${suite.server.baseUrl}/api/health`, {
      headers: { Origin: 'app://anochat' },
    });
    assert.equal(health.status, 200);
    assert.equal(health.headers.get('access-control-allow-origin'), 'app://anochat');
    assert.match(health.headers.get('vary') ?? '', /Origin/);
  });

  it('gives any other origin no CORS headers, so browsers keep its pages out as before', async () => {
    const preflight = await fetch(`${suite.server.baseUrl}/api/auth/login`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
    });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    assert.notEqual(preflight.status, 204);
    const health = await fetch(`${suite.server.baseUrl}/api/health`, {
      headers: { Origin: 'https://evil.example' },
    });
    assert.equal(health.headers.get('access-control-allow-origin'), null);
  });
});
