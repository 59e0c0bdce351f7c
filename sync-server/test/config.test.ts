import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config/config.ts';

const minimal = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/anochat',
  CRYPTO_GRPC_ADDRESS: 'unix:/run/anochat/crypto.sock',
  JWT_SECRET: 's'.repeat(32),
};

describe('configuration from the environment', () => {
  it('applies production defaults', () => {
    const config = loadConfig(minimal);
    assert.deepEqual(config.crypto.argon2, { opsLimit: 2, memLimit: 64 * 1024 * 1024 });
    assert.equal(config.http.port, 8080);
    assert.equal(config.jwt.accessTokenTtlSeconds, 900);
    assert.deepEqual(config.jwt.previousSecrets, []);
    assert.equal(config.database.migrateOnStart, true);
  });

  it('names every bad variable at once, without echoing values', () => {
    const secret = 'too-short-secret';
    assert.throws(
      () =>
        loadConfig({
          DATABASE_URL: 'mysql://nope',
          JWT_SECRET: secret,
          PORT: 'eighty',
          ARGON2_MEM_LIMIT: '1024',
          LOG_LEVEL: 'loud',
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        for (const variable of [
          'DATABASE_URL',
          'CRYPTO_GRPC_ADDRESS: required',
          'JWT_SECRET',
          'PORT',
          'ARGON2_MEM_LIMIT',
          'LOG_LEVEL',
        ]) {
          assert.ok(error.message.includes(variable), `${variable} in ${error.message}`);
        }
        assert.equal(error.message.includes(secret), false);
        return true;
      },
    );
  });

  it('keeps failed sign-ins per account within ASVS 2.2.1 (no more than 100 an hour)', () => {
    assert.deepEqual(loadConfig(minimal).signIn, {
      failuresPerAccountHour: 50,
      failuresPerAddressHour: 100,
      freeFailures: 5,
      maxBackoffSeconds: 900,
    });
    assert.equal(
      loadConfig({ ...minimal, LOGIN_FAILURES_PER_ACCOUNT_HOUR: '100' }).signIn
        .failuresPerAccountHour,
      100,
    );
    assert.throws(
      () => loadConfig({ ...minimal, LOGIN_FAILURES_PER_ACCOUNT_HOUR: '101' }),
      /LOGIN_FAILURES_PER_ACCOUNT_HOUR/,
    );
  });

  it('refuses an Argon2id memory limit that is not a whole number of KiB', () => {
    assert.throws(
      () => loadConfig({ ...minimal, ARGON2_MEM_LIMIT: String(64 * 1024 * 1024 + 512) }),
      /ARGON2_MEM_LIMIT.*multiple of 1024/,
    );
    assert.equal(
      loadConfig({ ...minimal, ARGON2_MEM_LIMIT: String(65 * 1024) }).crypto.argon2.memLimit,
      65 * 1024,
    );
  });

  it('reads previous JWT secrets as a list and checks each', () => {
    const ok = loadConfig({
      ...minimal,
      JWT_PREVIOUS_SECRETS: `${'a'.repeat(32)},${'b'.repeat(32)}`,
    });
    assert.equal(ok.jwt.previousSecrets.length, 2);
    assert.throws(
      () => loadConfig({ ...minimal, JWT_PREVIOUS_SECRETS: 'short' }),
      /JWT_PREVIOUS_SECRETS/,
    );
  });

  it('keeps attachments in DATA_DIR by default and in an S3-compatible bucket when asked', () => {
    assert.deepEqual(loadConfig(minimal).attachments.storage, { kind: 'directory' });
    assert.deepEqual(
      loadConfig({
        ...minimal,
        ATTACHMENTS_STORE: 's3',
        ATTACHMENTS_S3_BUCKET: 'anochat-blobs',
        ATTACHMENTS_S3_ENDPOINT: 'http://127.0.0.1:9000',
        ATTACHMENTS_S3_FORCE_PATH_STYLE: 'true',
      }).attachments.storage,
      {
        kind: 's3',
        bucket: 'anochat-blobs',
        endpoint: 'http://127.0.0.1:9000',
        region: 'us-east-1',
        forcePathStyle: true,
      },
    );
    assert.throws(
      () => loadConfig({ ...minimal, ATTACHMENTS_STORE: 's3' }),
      /ATTACHMENTS_S3_BUCKET: required with ATTACHMENTS_STORE=s3/,
    );
    assert.throws(() => loadConfig({ ...minimal, ATTACHMENTS_STORE: 'ftp' }), /ATTACHMENTS_STORE/);
  });
});
