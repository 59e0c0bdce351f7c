import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useSyncServer } from '@anochat/test-support/suite';
import {
  create,
  createGroup,
  eventually,
  messageDoc,
  pullAll,
  type SyncClient,
  syncUser,
} from '@anochat/test-support/sync-client';
import { testEnvironment } from '@anochat/test-support/sync-server';
import { loadConfig } from '../src/config/config.ts';

/** One sample of the Prometheus text (`name{labels} value`); labels given must all match. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = match[2] ?? '';
    if (Object.entries(labels).every(([key, value]) => present.includes(`${key}="${value}"`))) {
      return Number(match[3]);
    }
  }
  return null;
}

describe('metrics: /metrics in Prometheus format on METRICS_PORT', () => {
  const context = useSyncServer({ METRICS_PORT: '0' });
  const scrape = async () => {
    const response = await fetch(`http://127.0.0.1:${context.server.metricsPort}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return response.text();
  };
  const clients: SyncClient[] = [];

  it('serves the runtime, pool and crypto-native gauges on its own port, not on the public one', async () => {
    assert.equal(typeof context.server.metricsPort, 'number');
    assert.notEqual(context.server.metricsPort, context.server.port);
    const text = await scrape();
    assert.equal(sample(text, 'anochat_connected_devices'), 0);
    assert.equal(sample(text, 'anochat_crypto_native_up'), 1);
    assert.ok((sample(text, 'anochat_db_pool_connections', { state: 'total' }) ?? -1) >= 0);
    assert.equal(sample(text, 'anochat_db_pool_connections', { state: 'waiting' }), 0);
    assert.ok((sample(text, 'nodejs_eventloop_lag_seconds') ?? -1) >= 0);
    assert.ok((sample(text, 'process_resident_memory_bytes') ?? 0) > 0);
    assert.ok(text.includes('service="sync-server"'));

    const publicPort = await fetch(`${context.server.baseUrl}/metrics`);
    assert.equal(publicPort.status, 404);
  });

  it('counts connected devices, pushes and pulls by outcome, push and fan-out latency', async () => {
    const alice = await syncUser(context.server.baseUrl);
    const bob = await syncUser(context.server.baseUrl);
    clients.push(alice, bob);
    let text = await scrape();
    assert.equal(sample(text, 'anochat_connected_devices'), 2);
    const pushesBefore =
      sample(text, 'anochat_sync_requests_total', { event: 'push', outcome: 'ok' }) ?? 0;

    const group = await createGroup(alice, [bob]);
    await pullAll(bob, 'messages');
    const streamedBefore = bob.streams.length;
    await create(alice, 'messages', [messageDoc(alice, group)]);
    await eventually(() =>
      bob.streams
        .slice(streamedBefore)
        .some((e) => e.collection === 'messages' && 'documents' in e),
    );

    text = await scrape();
    const pushes =
      sample(text, 'anochat_sync_requests_total', { event: 'push', outcome: 'ok' }) ?? 0;
    // The group, its member, Bob's acceptance and the message.
    assert.ok(pushes - pushesBefore >= 4, `pushes counted: ${pushes - pushesBefore}`);
    assert.ok(
      (sample(text, 'anochat_sync_requests_total', { event: 'pull', outcome: 'ok' }) ?? 0) >= 1,
    );
    assert.equal(sample(text, 'anochat_push_duration_seconds_count', { outcome: 'ok' }), pushes);
    assert.ok((sample(text, 'anochat_fanout_duration_seconds_count') ?? 0) >= 1);
    assert.ok((sample(text, 'anochat_fanout_duration_seconds_bucket', { le: '+Inf' }) ?? 0) >= 1);
  });

  it('a device that disconnects is no longer counted', async () => {
    for (const client of clients) client.socket.close();
    let connected = -1;
    for (let attempt = 0; attempt < 100 && connected !== 0; attempt++) {
      connected = sample(await scrape(), 'anochat_connected_devices') ?? -1;
      if (connected !== 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(connected, 0);
  });

  it('anything but GET /metrics is 404 with the error shape', async () => {
    const base = `http://127.0.0.1:${context.server.metricsPort}`;
    for (const [method, path] of [
      ['GET', '/'],
      ['GET', '/api/health'],
      ['POST', '/metrics'],
    ] as const) {
      const response = await fetch(`${base}${path}`, { method });
      assert.equal(response.status, 404, `${method} ${path}`);
      const body = (await response.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'NOT_FOUND');
    }
  });

  it('reports crypto-native down (0) when its gRPC server stops', async () => {
    await context.crypto.cleanup();
    const text = await scrape();
    assert.equal(sample(text, 'anochat_crypto_native_up'), 0);
  });
});

describe('metrics: configuration', () => {
  const base = testEnvironment('postgres://127.0.0.1/x', 'unix:/tmp/x.sock');

  it('is off unless METRICS_PORT is set', () => {
    assert.equal(loadConfig(base).metrics.port, null);
    assert.equal(loadConfig({ ...base, METRICS_PORT: '' }).metrics.port, null);
    assert.equal(loadConfig({ ...base, METRICS_PORT: '9090' }).metrics.port, 9090);
  });

  it('refuses a METRICS_PORT that is not a port, naming the variable', () => {
    for (const bad of ['nine', '-1', '65536', '90.5']) {
      assert.throws(
        () => loadConfig({ ...base, METRICS_PORT: bad }),
        (error: Error) => error.message.includes('METRICS_PORT') && !error.message.includes(bad),
      );
    }
  });
});
