import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { assertError, register, request } from '@anochat/test-support/api';
import { useSyncServer } from '@anochat/test-support/suite';
import { TEST_JWT_SECRET } from '@anochat/test-support/sync-server';
import jwt from 'jsonwebtoken';

const PREVIOUS_SECRET = 'previous-secret-still-accepted-during-rotation-0001';
const suite = useSyncServer({ JWT_PREVIOUS_SECRETS: PREVIOUS_SECRET });
const url = () => suite.server.baseUrl;

const ISSUER = 'anochat-sync-server';
const AUDIENCE = 'anochat-client';

function base64UrlJson(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('access tokens', () => {
  async function claimsOfAFreshDevice() {
    const { session } = await register(url());
    return { sub: session.user.id, did: session.device.id };
  }

  async function assertRefused(token: string) {
    assertError(await request(url(), 'GET', '/api/devices', { token }), 401, 'UNAUTHENTICATED');
  }

  it('accepts a token we signed, and one signed with a previous secret', async () => {
    const claims = await claimsOfAFreshDevice();
    for (const secret of [TEST_JWT_SECRET, PREVIOUS_SECRET]) {
      const token = jwt.sign(claims, secret, {
        algorithm: 'HS256',
        issuer: ISSUER,
        audience: AUDIENCE,
        expiresIn: 60,
      });
      assert.equal((await request(url(), 'GET', '/api/devices', { token })).status, 200);
    }
  });

  it('refuses alg none', async () => {
    const claims = await claimsOfAFreshDevice();
    const now = Math.floor(Date.now() / 1000);
    const payload = { ...claims, iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 60 };
    await assertRefused(`${base64UrlJson({ alg: 'none', typ: 'JWT' })}.${base64UrlJson(payload)}.`);
  });

  it('refuses RS256, even signed by a real key', async () => {
    const claims = await claimsOfAFreshDevice();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await assertRefused(
      jwt.sign(claims, privateKey, {
        algorithm: 'RS256',
        issuer: ISSUER,
        audience: AUDIENCE,
        expiresIn: 60,
      }),
    );
  });

  it('refuses HS384, a wrong secret, a wrong issuer, a wrong audience', async () => {
    const claims = await claimsOfAFreshDevice();
    const sign = (secret: string, options: jwt.SignOptions) =>
      jwt.sign(claims, secret, { issuer: ISSUER, audience: AUDIENCE, expiresIn: 60, ...options });
    await assertRefused(sign(TEST_JWT_SECRET, { algorithm: 'HS384' }));
    await assertRefused(sign('another-secret-of-sufficient-length-000000', { algorithm: 'HS256' }));
    await assertRefused(sign(TEST_JWT_SECRET, { algorithm: 'HS256', issuer: 'someone-else' }));
    await assertRefused(sign(TEST_JWT_SECRET, { algorithm: 'HS256', audience: 'someone-else' }));
  });

  it('refuses an expired token, and one without exp', async () => {
    const claims = await claimsOfAFreshDevice();
    const past = Math.floor(Date.now() / 1000) - 120;
    await assertRefused(
      jwt.sign({ ...claims, iat: past, exp: past + 60 }, TEST_JWT_SECRET, {
        algorithm: 'HS256',
        issuer: ISSUER,
        audience: AUDIENCE,
      }),
    );
    await assertRefused(
      jwt.sign(claims, TEST_JWT_SECRET, { algorithm: 'HS256', issuer: ISSUER, audience: AUDIENCE }),
    );
  });

  it('refuses a token without a device claim, and garbage', async () => {
    const { sub } = await claimsOfAFreshDevice();
    await assertRefused(
      jwt.sign({ sub }, TEST_JWT_SECRET, {
        algorithm: 'HS256',
        issuer: ISSUER,
        audience: AUDIENCE,
        expiresIn: 60,
      }),
    );
    await assertRefused('not-a-jwt');
    assertError(
      await request(url(), 'GET', '/api/devices', { headers: { authorization: 'Basic abc' } }),
      401,
      'UNAUTHENTICATED',
    );
  });

  it("refuses a valid signature over another user's device", async () => {
    const mine = await claimsOfAFreshDevice();
    const theirs = await claimsOfAFreshDevice();
    await assertRefused(
      jwt.sign({ sub: mine.sub, did: theirs.did }, TEST_JWT_SECRET, {
        algorithm: 'HS256',
        issuer: ISSUER,
        audience: AUDIENCE,
        expiresIn: 60,
      }),
    );
  });
});
