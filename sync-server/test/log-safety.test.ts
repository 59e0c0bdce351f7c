import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { assertError, registrationBody, request, uniqueUsername } from '@anochat/test-support/api';
import { useSyncServer } from '@anochat/test-support/suite';

const suite = useSyncServer();

/** The log lines that mention `text`, parsed. */
function linesMentioning(logs: string, text: string): Record<string, unknown>[] {
  return logs
    .split('\n')
    .filter((line) => line.includes(text))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('logs carry codes and names, never row contents', () => {
  it('logs a database constraint failure by SQLSTATE and constraint name, without the failing row', async () => {
    // A constraint the request schema does not know, so the write reaches PostgreSQL and fails
    // there, as any disagreement between a schema and the database would.
    await suite.server.pool.query(
      `ALTER TABLE users ADD CONSTRAINT test_display_name_refused
         CHECK (display_name <> 'refused by the test')`,
    );
    const body = {
      ...registrationBody(uniqueUsername('logged')),
      displayName: 'refused by the test',
    };
    try {
      assertError(
        await request(suite.server.baseUrl, 'POST', '/api/auth/register', { body }),
        500,
        'INTERNAL',
      );
    } finally {
      await suite.server.pool.query('ALTER TABLE users DROP CONSTRAINT test_display_name_refused');
    }
    const logs = suite.server.logs();
    const [failure] = linesMentioning(logs, 'test_display_name_refused');
    assert.ok(failure, 'the failure is logged');
    assert.equal(failure.msg, 'request failed');
    assert.deepEqual(failure.err, {
      type: 'DatabaseError',
      code: '23514',
      constraint: 'test_display_name_refused',
      table: 'users',
      routine: (failure.err as { routine?: string }).routine,
    });
    // The failing row held the Argon2id hash of the secret, the key backup and the name.
    assert.doesNotMatch(logs, /\$argon2id\$/);
    assert.doesNotMatch(logs, /Failing row/);
    assert.doesNotMatch(logs, /refused by the test/);
    assert.ok(!logs.includes(body.keyBackup) && !logs.includes(body.username));
  });

  it('logs the page of an invite link without its token', async () => {
    const token = randomBytes(32).toString('base64url');
    await request(suite.server.baseUrl, 'GET', `/invite/${token}`);
    const logs = suite.server.logs();
    assert.ok(!logs.includes(token), 'the token is not logged');
    const lines = linesMentioning(logs, '/invite/:token');
    assert.ok(lines.some((line) => line.msg === 'request' && line.method === 'GET'));
  });
});
