import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createGrpcNacl } from '@anochat/crypto-native/node';
import { createTestDatabase, type TestDatabase } from '@anochat/test-support/database';
import {
  answers,
  buildImages,
  freePort,
  IMAGE,
  metricValue,
  podman,
  podmanStatus,
  until,
} from './support/podman.ts';

/**
 * Each image as built from docker/Dockerfile (on bases made from Debian's mirror), run with
 * podman the way production runs it: non-root, read-only root filesystem, its health check, and
 * doing its job (crypto-native answers gRPC, the sync server serves the API and the web app
 * against the real PostgreSQL, the web image serves the app), with no build tool inside.
 */
const BUILD_TOOLS = [
  'gcc',
  'g++',
  'cc',
  'c++',
  'make',
  'cmake',
  'emcc',
  'protoc',
  'npm',
  'npx',
  'yarn',
  'tsc',
  'esbuild',
];
const tag = randomBytes(4).toString('hex');
const started: string[] = [];

async function start(name: string, args: string[]): Promise<string> {
  const container = `anochat-test-${name}-${tag}`;
  started.push(container);
  await podman(['run', '-d', '--name', container, '--read-only', ...args]);
  return container;
}

const inspect = async (image: string) =>
  JSON.parse(await podman(['image', 'inspect', image]))[0] as {
    Size: number;
    User?: string;
    Healthcheck?: { Test: string[] };
  };

describe('container images', { timeout: 70 * 60_000 }, () => {
  before(() => buildImages());
  after(async () => {
    for (const container of started) await podmanStatus(['rm', '-f', '-t', '2', container]);
  });

  for (const name of ['crypto-native', 'sync-server', 'web']) {
    it(`${name}: runs as a non-root user, has a health check, carries no build tools`, async () => {
      const image = await inspect(IMAGE(name));
      assert.match(image.User ?? '', /^[1-9]\d*(:\d+)?$/, 'a numeric non-root user');
      assert.ok(image.Healthcheck?.Test?.length, 'a HEALTHCHECK');
      const found = await podman([
        'run',
        '--rm',
        '--entrypoint',
        'sh',
        IMAGE(name),
        '-c',
        `for tool in ${BUILD_TOOLS.join(' ')}; do command -v "$tool" || true; done`,
      ]);
      assert.equal(found, '', `build tools in ${name}: ${found}`);
      process.stdout.write(`# image ${name}: ${(image.Size / 1e6).toFixed(0)} MB\n`);
    });
  }

  describe('running', () => {
    let database: TestDatabase;
    let cryptoPort: number;
    let crypto: string;
    before(async () => {
      database = await createTestDatabase();
      cryptoPort = await freePort();
      crypto = await start('crypto', [
        '-p',
        `127.0.0.1:${cryptoPort}:50051`,
        IMAGE('crypto-native'),
      ]);
    });
    after(async () => {
      await database?.drop();
    });

    it('crypto-native answers gRPC from outside, and its health check passes', async () => {
      const nacl = createGrpcNacl(`127.0.0.1:${cryptoPort}`);
      try {
        const health = await until(
          'crypto-native serves',
          async () => (await nacl.health()).serving || undefined,
          30_000,
        );
        assert.equal(health, true);
        // A sealed box (an RPC): 16 bytes sealed to a public key come back 48 bytes longer.
        const sealed = await nacl.boxSeal(new Uint8Array(16), randomBytes(32));
        assert.equal(sealed.length, 16 + 48);
      } finally {
        nacl.close();
      }
      assert.equal((await podmanStatus(['healthcheck', 'run', crypto])).code, 0);
      assert.equal(await podman(['exec', crypto, 'id', '-u']), '10001');
    });

    it('sync-server serves the API, the web app and /metrics on a read-only root, and stops gracefully', async () => {
      const [port, metricsPort] = [await freePort(), await freePort()];
      const server = await start('sync', [
        '--network',
        'host',
        '--tmpfs',
        '/tmp',
        // Where attachment blobs go (a volume in every deployment), owned by the image's user.
        '--tmpfs',
        '/var/lib/anochat/attachments:rw,U',
        '-e',
        `DATABASE_URL=${database.url}`,
        '-e',
        `CRYPTO_GRPC_ADDRESS=127.0.0.1:${cryptoPort}`,
        '-e',
        `JWT_SECRET=${randomBytes(32).toString('hex')}`,
        '-e',
        'HOST=127.0.0.1',
        '-e',
        `PORT=${port}`,
        '-e',
        `METRICS_PORT=${metricsPort}`,
        IMAGE('sync-server'),
      ]);
      const base = `http://127.0.0.1:${port}`;
      await answers(`${base}/api/ready`, 60_000);
      const page = await fetch(`${base}/some/app/route`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<div id="app">/);
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      assert.equal(metricValue(metrics, 'anochat_crypto_native_up'), 1);
      assert.equal((await podmanStatus(['healthcheck', 'run', server])).code, 0);
      // The root filesystem refuses writes.
      const write = await podmanStatus([
        'exec',
        server,
        'node',
        '-e',
        "require('fs').writeFileSync('/app/x', '')",
      ]);
      assert.notEqual(write.code, 0);
      assert.match(write.output, /EROFS|read-only/);

      await podman(['stop', '-t', '20', server]);
      assert.equal(await podman(['inspect', '--format', '{{.State.ExitCode}}', server]), '0');
      const logs = await podman(['logs', server]);
      assert.match(logs, /"msg":"sync server stopped"/);
    });

    it('web serves the app with its SPA fallback and the WebAssembly type, read-only', async () => {
      const port = await freePort();
      const web = await start('web', [
        '--tmpfs',
        '/tmp',
        '-p',
        `127.0.0.1:${port}:8080`,
        IMAGE('web'),
      ]);
      const base = `http://127.0.0.1:${port}`;
      await answers(`${base}/healthz`, 30_000);
      const index = await fetch(`${base}/conversations/123`);
      assert.equal(index.status, 200);
      const html = await index.text();
      assert.match(html, /<div id="app">/);
      const assets = (await podman(['exec', web, 'ls', '/usr/share/anochat/web/assets'])).split(
        '\n',
      );
      const wasmFile = assets.find((file) => file.endsWith('.wasm'));
      assert.ok(wasmFile, 'the crypto module is among the assets');
      const wasm = await fetch(`${base}/assets/${wasmFile}`);
      assert.equal(wasm.status, 200);
      assert.equal(wasm.headers.get('content-type'), 'application/wasm');
      assert.match(wasm.headers.get('cache-control') ?? '', /immutable/);
      assert.equal((await podmanStatus(['healthcheck', 'run', web])).code, 0);
    });
  });
});
