import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  assertError,
  newDevice,
  newIdentity,
  randomKey,
  randomSecret,
  registrationBody,
  request,
} from '@anochat/test-support/api';
import { countRows, useSyncServer } from '@anochat/test-support/suite';

const suite = useSyncServer({ BODY_LIMIT_BYTES: '4096' });
const url = () => suite.server.baseUrl;

const valid = () => ({ ...registrationBody('valid_name') });
const identity = newIdentity('valid_name');

/** Each case: a body (object, or raw text sent as is), the status and the code it must get. */
const CASES: [name: string, body: unknown, status: number, code: string][] = [
  ['malformed JSON', '{"username": "a",', 400, 'MALFORMED_JSON'],
  ['a JSON string, not an object', '"hello"', 400, 'MALFORMED_JSON'],
  ['JSON null', 'null', 400, 'MALFORMED_JSON'],
  ['a JSON array', '[]', 400, 'VALIDATION_FAILED'],
  ['an empty object', {}, 400, 'VALIDATION_FAILED'],
  ['username of the wrong type', { ...valid(), username: 123 }, 400, 'VALIDATION_FAILED'],
  [
    'username missing',
    { authSecret: randomSecret(), device: newDevice(identity) },
    400,
    'VALIDATION_FAILED',
  ],
  ['username too short', { ...valid(), username: 'ab' }, 400, 'VALIDATION_FAILED'],
  ['username with spaces', { ...valid(), username: 'a b c' }, 400, 'VALIDATION_FAILED'],
  ['username with a lookalike letter', { ...valid(), username: 'аlice' }, 400, 'VALIDATION_FAILED'],
  [
    'device missing',
    { username: 'valid_name', authSecret: randomSecret() },
    400,
    'VALIDATION_FAILED',
  ],
  ['device of the wrong type', { ...valid(), device: 'laptop' }, 400, 'VALIDATION_FAILED'],
  ['an unknown field', { ...valid(), isAdmin: true }, 400, 'VALIDATION_FAILED'],
  ['authSecret not base64', { ...valid(), authSecret: '!'.repeat(44) }, 400, 'VALIDATION_FAILED'],
  [
    'authSecret of 31 bytes',
    { ...valid(), authSecret: randomBytes(31).toString('base64') },
    400,
    'VALIDATION_FAILED',
  ],
  [
    'authSecret of 33 bytes',
    { ...valid(), authSecret: randomBytes(33).toString('base64') },
    400,
    'VALIDATION_FAILED',
  ],
  [
    'authSecret in base64url',
    { ...valid(), authSecret: randomBytes(32).toString('base64url') },
    400,
    'VALIDATION_FAILED',
  ],
  [
    'authSecret with non-zero padding bits',
    { ...valid(), authSecret: `${'A'.repeat(42)}B=` },
    400,
    'VALIDATION_FAILED',
  ],
  [
    'boxPublicKey of 16 bytes',
    {
      ...valid(),
      device: { ...newDevice(identity), boxPublicKey: randomBytes(16).toString('base64') },
    },
    400,
    'VALIDATION_FAILED',
  ],
  [
    'signPublicKey of 64 bytes',
    {
      ...valid(),
      device: { ...newDevice(identity), signPublicKey: randomBytes(64).toString('base64') },
    },
    400,
    'VALIDATION_FAILED',
  ],
  [
    'device name empty',
    { ...valid(), device: { ...newDevice(identity), name: '  ' } },
    400,
    'VALIDATION_FAILED',
  ],
  ['an oversized body', { ...valid(), displayName: 'x'.repeat(8192) }, 413, 'PAYLOAD_TOO_LARGE'],
];

describe('bad input to register and login', () => {
  for (const path of ['/api/auth/register', '/api/auth/login']) {
    for (const [name, body, status, code] of CASES) {
      it(`${path}: ${name} -> ${status} ${code}`, async () => {
        assertError(await request(url(), 'POST', path, { body }), status, code);
      });
    }
  }

  it('refuses a body that is not JSON, and a JSON body with no content type', async () => {
    const form = await request(url(), 'POST', '/api/auth/register', {
      body: 'username=a',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assertError(form, 415, 'UNSUPPORTED_MEDIA_TYPE');
    assertError(await request(url(), 'POST', '/api/auth/register'), 400, 'VALIDATION_FAILED');
  });

  it('refuses a malformed refresh token', async () => {
    for (const refreshToken of [42, '', 'short', randomKey(), `${'A'.repeat(43)}=`]) {
      assertError(
        await request(url(), 'POST', '/api/auth/refresh', { body: { refreshToken } }),
        400,
        'VALIDATION_FAILED',
      );
    }
  });

  it('answers unknown routes with the error shape', async () => {
    assertError(await request(url(), 'GET', '/api/nothing-here'), 404, 'NOT_FOUND');
    assertError(
      await request(url(), 'PUT', '/api/auth/login', { body: valid() }),
      404,
      'NOT_FOUND',
    );
  });

  it('wrote nothing at all, and still serves', async () => {
    assert.deepEqual(await countRows(suite.server), {
      users: 0,
      devices: 0,
      refresh_tokens: 0,
      rate_limits: 0,
    });
    assert.equal((await request(url(), 'GET', '/api/health')).status, 200);
  });
});
