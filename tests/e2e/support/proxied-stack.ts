import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ChildSyncServer, spawnSyncServer } from '@anochat/test-support/child-sync-server';
import { startTestCryptoServer } from '@anochat/test-support/crypto-server';
import { createTestDatabase } from '@anochat/test-support/database';
import { type FaultProxy, type LinkShape, startFaultProxy } from '../../chaos/fault-proxy.ts';
import { createPrng } from '../../chaos/prng.ts';

const WEB_APP = fileURLToPath(new URL('../../../app/dist', import.meta.url));

/**
 * A stack of a test's own, for tests that break it: its own database, crypto-native server and
 * sync-server process (serving the built app), which the test may SIGKILL and start again, and a
 * fault proxy per person between their browser and the server. Chromium's own throttling does not
 * slow WebSockets, so the link is made slow (and cut) by the proxy; the page's origin is the
 * proxy's, so the app talks to the server through it for everything.
 */
export interface ProxiedStack {
  /** A new proxy for one person's browser; its `url` is the origin the page loads from. */
  link(shape: Partial<LinkShape>): Promise<FaultProxy>;
  /** SIGKILL the sync server (whatever it was doing); `start()` brings a new one up. */
  kill(): void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startProxiedStack(): Promise<ProxiedStack> {
  if (!existsSync(`${WEB_APP}/index.html`)) {
    throw new Error('app/dist is missing: run `bash scripts/build-app.sh` first');
  }
  const database = await createTestDatabase();
  const crypto = await startTestCryptoServer();
  const proxies: FaultProxy[] = [];
  let server: ChildSyncServer | null = null;
  let port = 1;

  async function start() {
    if (server !== null) return;
    server = await spawnSyncServer(database.url, crypto.address, {
      WEB_APP_DIR: WEB_APP,
      RATE_LIMIT_PER_IP: '100000',
      RATE_LIMIT_PER_USERNAME: '1000',
    });
    port = Number(new URL(server.baseUrl).port);
  }

  try {
    await start();
  } catch (error) {
    await crypto.cleanup();
    await database.drop();
    throw error;
  }
  return {
    async link(shape) {
      const proxy = await startFaultProxy({
        target: () => port,
        prng: createPrng(proxies.length + 1),
        link: shape,
      });
      proxies.push(proxy);
      return proxy;
    },
    kill() {
      server?.process.kill('SIGKILL');
      server = null;
    },
    start,
    async stop() {
      for (const proxy of proxies) await proxy.close();
      await server?.stop();
      await crypto.cleanup();
      await database.drop();
    },
  };
}
