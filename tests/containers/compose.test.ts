import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { registerWithPassword } from '@anochat/test-support/e2e-user';
import { acceptRequest } from '@anochat/test-support/sync-client';
import pg from 'pg';
import { type ChaosClient, startChaosClient } from '../chaos/chaos-client.ts';
import {
  type ComposeProject,
  composeProject,
  containerOf,
  instanceMetrics,
  instancesReady,
} from './support/compose.ts';
import {
  answersInRow,
  buildImages,
  freePort,
  metricValue,
  podman,
  until,
} from './support/podman.ts';

/**
 * Many instances, proven: compose.yaml's stack (PostgreSQL, Redis, crypto-native, two sync-server
 * instances, HAProxy) from the real images, and devices running the app's own modules (the chaos
 * harness's client workers: RxDB, the sync engine, the socket transport) all connected through the
 * load balancer's one URL, spread over both instances. While they keep sending, one instance is
 * SIGKILLed, the other stopped gracefully, then both restarted one after the other. After each,
 * every message must be once on the server and once in every member's store.
 */
const tag = randomBytes(4).toString('hex');
const DEVICES = 6;
const PASSWORD = 'compose test password';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('compose stack: two sync-server instances behind HAProxy', {
  timeout: 80 * 60_000,
}, () => {
  const projectName = `anochat-test-${tag}`;
  let project: ComposeProject | undefined;
  let base: string;
  let pool: pg.Pool;
  const clients: ChaosClient[] = [];
  let conversationId: string;
  const sent: string[] = [];
  const sendErrors: string[] = [];
  const instances = ['sync-server-1', 'sync-server-2'].map((service) =>
    containerOf(projectName, service),
  );

  before(async () => {
    await buildImages();
    const [port, postgresPort] = [await freePort(), await freePort()];
    const password = randomBytes(18).toString('hex');
    project = composeProject(projectName, {
      POSTGRES_PASSWORD: password,
      JWT_SECRET: randomBytes(32).toString('hex'),
      ANOCHAT_PORT: String(port),
      TEST_POSTGRES_PORT: String(postgresPort),
    });
    await project.compose(['up', '-d']);
    base = `http://127.0.0.1:${port}`;
    // Both instances must be ready by their own account, and the balancer must route to both:
    // until its health checks pass, a request may land on an instance still starting (503).
    await instancesReady(instances, 180_000);
    await answersInRow(`${base}/api/ready`, 6, 60_000);
    pool = new pg.Pool({
      connectionString: `postgres://anochat:${password}@127.0.0.1:${postgresPort}/anochat`,
      max: 2,
    });
    pool.on('error', () => undefined);
  });

  after(async () => {
    for (const client of clients) await client.stop().catch(() => undefined);
    await pool?.end().catch(() => undefined);
    await project?.down();
  });

  const connectedOn = async (container: string) =>
    metricValue(await instanceMetrics(container), 'anochat_connected_devices') ?? 0;

  it('serves the app, the API and the socket at one URL', async () => {
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<div id="app">/);
    assert.equal((await fetch(`${base}/lb-health`)).status, 200);
  });

  it('registers people through the load balancer and connects them to both instances', async () => {
    const users = [];
    for (let index = 0; index < DEVICES; index++) {
      const user = await registerWithPassword(
        { baseUrl: base, pool },
        `compose_${tag}_${index}`,
        PASSWORD,
      );
      users.push(user);
    }
    for (const [index, user] of users.entries()) {
      clients.push(
        await startChaosClient({
          index,
          serverUrl: base,
          username: user.username,
          session: user.session,
          keys: user.sync.device,
          identitySeed: user.identitySeed,
          archiveKey: user.archiveKey,
        }),
      );
    }
    const [creator, ...others] = clients as [ChaosClient, ...ChaosClient[]];
    conversationId = await creator.createGroup(
      'compose group',
      others.map((c) => c.userId),
    );
    // A group from a stranger is a message request: each member accepts it (over its own socket,
    // as the app would when the person taps Accept), then the creator's app sends the key.
    for (const user of users.slice(1)) {
      await until(
        'the membership reached the server',
        async () =>
          (
            await pool.query('SELECT 1 FROM members WHERE conversation_id = $1 AND user_id = $2', [
              conversationId,
              user.session.user.id,
            ])
          ).rowCount === 1 || undefined,
        30_000,
      );
      await acceptRequest(user.sync, conversationId);
    }
    for (const user of users) user.sync.socket.close();
    await until(
      'every member holds the group key',
      async () =>
        (await Promise.all(clients.map((c) => c.hasKeys([conversationId])))).every(Boolean) ||
        undefined,
      60_000,
    );
    const spread = await until(
      'all devices connected',
      async () => {
        const counts = await Promise.all(instances.map(connectedOn));
        return (counts[0] ?? 0) + (counts[1] ?? 0) === DEVICES ? counts : undefined;
      },
      30_000,
    );
    process.stdout.write(`# devices per instance: ${spread.join(', ')}\n`);
    assert.ok(
      spread.every((count) => count > 0),
      `both instances serve devices: ${spread.join(', ')}`,
    );
  });

  /** Every client sends in turn every `everyMs` while `during` runs, then until it ends. */
  async function sendWhile(during: () => Promise<void>, everyMs = 150): Promise<number> {
    let sending = true;
    let n = 0;
    const loop = (async () => {
      while (sending) {
        const client = clients[n % clients.length] as ChaosClient;
        const text = `message ${n} of ${client.index}`;
        n += 1;
        client.send(conversationId, text).then(
          ({ id }) => sent.push(id),
          (error: Error) => sendErrors.push(`${text}: ${error.message}`),
        );
        await sleep(everyMs);
      }
    })();
    try {
      await during();
    } finally {
      sending = false;
      await loop;
    }
    return n;
  }

  /** Once on the server and once in every member's store: every message sent so far. */
  async function everyMessageOnceEverywhere(what: string): Promise<void> {
    await sleep(500);
    assert.deepEqual(sendErrors, [], 'the app wrote every message');
    const expected = new Set(sent);
    assert.equal(expected.size, sent.length, 'each send has its own id');
    const problems = await until(
      `${what}: every message once on the server and in every store`,
      async () => {
        const { rows } = await pool.query<{ id: string; copies: number }>(
          'SELECT id, count(*)::int AS copies FROM messages WHERE conversation_id = $1 GROUP BY id',
          [conversationId],
        );
        const onServer = new Map(rows.map((row) => [row.id, row.copies]));
        const missing: string[] = [];
        for (const id of expected) if (onServer.get(id) !== 1) missing.push(`server ${id}`);
        if ([...onServer.keys()].some((id) => !expected.has(id)))
          missing.push('server has a row nobody sent');
        for (const client of clients) {
          const snapshot = await client.snapshot();
          const held = snapshot.messages
            .filter((m) => m.conversationId === conversationId)
            .map((m) => m.id);
          if (new Set(held).size !== held.length)
            missing.push(`device ${client.index} holds a copy twice`);
          const heldSet = new Set(held);
          for (const id of expected)
            if (!heldSet.has(id)) missing.push(`device ${client.index} lacks ${id}`);
        }
        return missing.length === 0 ? [] : undefined;
      },
      90_000,
    ).catch((error: Error) => [error.message]);
    assert.deepEqual(problems, []);
    assert.equal(
      clients.reduce((sum, c) => sum + c.signOuts.length, 0),
      0,
      'nobody was signed out',
    );
  }

  it('SIGKILL of one instance while messages flow: every message delivered once to everyone', async () => {
    const [first] = instances as [string, string];
    const count = await sendWhile(async () => {
      await sleep(2_000);
      await podman(['kill', '--signal', 'KILL', first]);
      await sleep(4_000);
    });
    assert.ok(count > 20);
    await everyMessageOnceEverywhere('after SIGKILL');
    // The killed instance came back (restart: unless-stopped), or is started again here.
    await podman(['start', first]);
    await until(
      'the killed instance serves again',
      async () => (await connectedOn(first)) >= 0 || undefined,
      60_000,
    );
  });

  it('graceful stop of one instance while messages flow: every message delivered once to everyone', async () => {
    const [, second] = instances as [string, string];
    await sendWhile(async () => {
      await sleep(2_000);
      await podman(['stop', '-t', '20', second]);
      await sleep(2_000);
      await podman(['start', second]);
      await sleep(2_000);
    });
    assert.equal(await podman(['inspect', '--format', '{{.State.Status}}', second]), 'running');
    await everyMessageOnceEverywhere('after a graceful stop');
  });

  it('a rolling restart of both instances under steady sending loses and duplicates nothing', async () => {
    await sendWhile(async () => {
      for (const instance of instances) {
        await podman(['stop', '-t', '20', instance]);
        await podman(['start', instance]);
        await instancesReady([instance], 60_000);
        await sleep(2_000);
      }
    });
    await everyMessageOnceEverywhere('after a rolling restart');
    process.stdout.write(`# messages sent in all: ${sent.length}\n`);
  });
});
