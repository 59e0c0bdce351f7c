import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPasswordHasher } from '../src/crypto/password-hasher.ts';

describe('password hasher', () => {
  it('verifies an unknown user against a dummy hash of the same cost, and says no', async () => {
    const calls: string[] = [];
    const hasher = createPasswordHasher(
      {
        pwhashStr: async (_secret, ops, mem) => {
          calls.push(`hash ${ops} ${mem}`);
          return '$argon2id$dummy';
        },
        pwhashStrVerify: async (hash) => {
          calls.push(`verify ${hash}`);
          return true;
        },
      },
      { opsLimit: 3, memLimit: 1 << 20 },
    );
    assert.equal(await hasher.verify(null, new Uint8Array(32)), false);
    assert.equal(await hasher.verify(null, new Uint8Array(32)), false);
    // One dummy hash, made once at the configured cost, then verified on every unknown-user login.
    assert.deepEqual(calls, [
      `hash 3 ${1 << 20}`,
      'verify $argon2id$dummy',
      'verify $argon2id$dummy',
    ]);
  });
});
