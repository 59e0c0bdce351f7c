import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { login, register, request } from '@anochat/test-support/api';
import { seedEmbeddedDataDirectory } from '@anochat/test-support/embedded-database';
import {
  type Started,
  startEmbeddedDefault as startDefault,
  stopWithSigterm,
} from '@anochat/test-support/embedded-default-server';
import {
  create,
  createGroup,
  messageDoc,
  pullAll,
  syncUser,
} from '@anochat/test-support/sync-client';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('npm start: the embedded default (PGlite + crypto-native, no configuration)', () => {
  let dataDirectory: string;
  const running: Started[] = [];
  before(async () => {
    dataDirectory = await mkdtemp(join(tmpdir(), 'anochat-embedded-'));
  });
  after(async () => {
    for (const started of running) {
      if (started.child.exitCode === null) started.child.kill('SIGKILL');
    }
    await rm(dataDirectory, { recursive: true, force: true });
  });

  it('serves, persists accounts, the JWT secret and the VAPID keys across a restart, and stops cleanly', async () => {
    const first = await startDefault(dataDirectory);
    running.push(first);
    const ready = await request(first.baseUrl, 'GET', '/api/ready');
    assert.equal(ready.status, 200, JSON.stringify(ready.body));
    const account = await register(first.baseUrl, 'embedded_alice');
    assert.match(first.output(), /generated one and saved it/);
    assert.equal((await stat(join(dataDirectory, 'jwt-secret'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(dataDirectory, 'vapid-keys.json'))).mode & 0o777, 0o600);
    const vapidKey = await request(first.baseUrl, 'GET', '/api/push/vapid-public-key');
    assert.equal(vapidKey.status, 200, JSON.stringify(vapidKey.body));
    assert.equal(await stopWithSigterm(first), 0, first.output());

    const second = await startDefault(dataDirectory);
    running.push(second);
    assert.match(second.output(), /using the one saved by an earlier start/);
    assert.equal((await request(second.baseUrl, 'GET', '/api/ready')).status, 200);
    // The same VAPID key: browsers' push subscriptions made before the restart still work.
    assert.deepEqual(
      (await request(second.baseUrl, 'GET', '/api/push/vapid-public-key')).body,
      vapidKey.body,
    );
    const session = await login(second.baseUrl, account);
    assert.equal(session.user.username, 'embedded_alice');
    // The access token from before the restart is still valid: the secret was kept.
    const devices = await request(second.baseUrl, 'GET', '/api/devices', {
      token: account.session.accessToken,
    });
    assert.equal(devices.status, 200, JSON.stringify(devices.body));
    assert.equal(await stopWithSigterm(second), 0, second.output());
    assert.match(second.output(), /sync server stopped/);
  });

  /**
   * Sends a message from one user and has the other pull it, `rounds` times, each push after
   * `idleMs` of silence (and each pull after as long, when `idleBeforePull`).
   */
  async function deliversAfter(
    idleMs: number,
    started: Started,
    { rounds = 2, idleBeforePull = true } = {},
  ): Promise<void> {
    const alice = await syncUser(started.baseUrl);
    const bob = await syncUser(started.baseUrl);
    try {
      const group = await createGroup(alice, [bob]);
      for (let round = 0; round < rounds; round += 1) {
        await sleep(idleMs);
        const message = messageDoc(alice, group);
        await create(alice, 'messages', [message]);
        if (idleBeforePull) await sleep(idleMs);
        const { documents } = await pullAll(bob, 'messages');
        assert.ok(
          documents.some((document) => document.id === message.id),
          `round ${round}: bob pulled ${documents.length} messages, not the new one`,
        );
      }
    } finally {
      alice.socket.close();
      bob.socket.close();
    }
  }

  it('keeps syncing after idle periods longer than the pool’s idle timeout (42P05 before the session broker)', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'anochat-embedded-idle-'));
    await seedEmbeddedDataDirectory(folder);
    const started = await startDefault(folder, {
      DATABASE_IDLE_TIMEOUT_MS: '200',
      LOG_LEVEL: 'debug',
    });
    running.push(started);
    try {
      await deliversAfter(600, started);
      const reconnects = started.output().split('database connection closed').length - 1;
      assert.ok(reconnects >= 4, `the pool closed its idle connection ${reconnects} times`);
      assert.doesNotMatch(started.output(), /42P05|already exists/);
      assert.equal(await stopWithSigterm(started), 0, started.output());
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('keeps syncing after idling longer than the real default timeouts (10 s pool idle timeout)', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'anochat-embedded-idle-'));
    await seedEmbeddedDataDirectory(folder);
    const started = await startDefault(folder, { LOG_LEVEL: 'debug' });
    running.push(started);
    try {
      await deliversAfter(11_000, started, { rounds: 1, idleBeforePull: false });
      assert.match(started.output(), /database connection closed/);
      assert.equal(await stopWithSigterm(started), 0, started.output());
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
