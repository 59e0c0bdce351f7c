// @vitest-environment node
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { firstValueFrom } from 'rxjs';
import { filter } from 'rxjs/operators';
import { Server } from 'socket.io';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ClientError } from '../api/api-error.ts';
import { createSyncTransport, type SyncTransport } from './sync-transport.ts';

/**
 * A real socket.io server whose handshake middleware answers what the test scripts: the sync
 * server's connect_error codes (docs/protocol.md, Connecting), then acceptance.
 */
describe('the sync transport when the server refuses a handshake', () => {
  let http: HttpServer;
  let io: Server;
  let url: string;
  let script: string[];
  let tokens: string[];
  let transport: SyncTransport | undefined;

  beforeEach(async () => {
    script = [];
    tokens = [];
    http = createServer();
    io = new Server(http);
    io.use((socket, next) => {
      tokens.push(String(socket.handshake.auth?.token));
      const answer = script.shift() ?? 'accept';
      if (answer === 'accept') return next();
      next(Object.assign(new Error(answer), { data: { code: answer, message: answer } }));
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    transport?.stop();
    transport = undefined;
    await new Promise<void>((resolve) => io.close(() => resolve()));
  });

  function start(refreshAccessToken: (expired: string) => Promise<string>): SyncTransport {
    transport = createSyncTransport({
      url,
      accessToken: async () => 'token-1',
      refreshAccessToken,
      reconnectDelayMs: 20,
      network: { online: () => true, subscribe: () => () => undefined },
      maxReconnectDelayMs: 100,
    });
    transport.start();
    return transport;
  }

  const online = (sync: SyncTransport) =>
    firstValueFrom(sync.link$.pipe(filter((state) => state === 'online')));

  it('treats NOT_READY (the server could not check the device) as "retry later": no refresh, no sign-out, connected once the server can check again', async () => {
    script = ['NOT_READY', 'NOT_READY', 'NOT_READY'];
    const refresh = vi.fn(async () => 'token-2');
    const sync = start(refresh);
    await online(sync);
    expect(tokens).toEqual(['token-1', 'token-1', 'token-1', 'token-1']);
    expect(refresh).not.toHaveBeenCalled();
  });

  it('on UNAUTHORIZED asks the session for a new token (which alone may end the session) and reconnects with it', async () => {
    script = ['UNAUTHORIZED'];
    let current = 'token-1';
    const refresh = vi.fn(async () => {
      current = 'token-2';
      return current;
    });
    transport = createSyncTransport({
      url,
      accessToken: async () => current,
      refreshAccessToken: refresh,
      reconnectDelayMs: 20,
      network: { online: () => true, subscribe: () => () => undefined },
    });
    transport.start();
    await online(transport);
    expect(refresh).toHaveBeenCalledWith('token-1');
    expect(tokens).toEqual(['token-1', 'token-2']);
  });

  it('keeps trying when the refresh itself fails for a reason other than a refusal (server down)', async () => {
    script = ['UNAUTHORIZED', 'NOT_READY'];
    let attempts = 0;
    const refresh = vi.fn(async () => {
      attempts += 1;
      if (attempts === 1) throw new ClientError('NOT_READY', 'the server is busy');
      return 'token-1';
    });
    const sync = start(refresh);
    await online(sync);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(tokens.length).toBe(3);
  });
});

describe('the sync transport when a connection drops', () => {
  let http: HttpServer;
  let io: Server;
  let transport: SyncTransport | undefined;
  /** When each handshake reached the server. */
  let handshakes: number[];

  beforeEach(async () => {
    handshakes = [];
    http = createServer();
    io = new Server(http);
    io.use((_socket, next) => {
      handshakes.push(Date.now());
      next();
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    transport = createSyncTransport({
      url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
      accessToken: async () => 'token',
      refreshAccessToken: async () => 'token',
      // A first wait long enough to tell from none, even on a loaded machine.
      reconnectDelayMs: 4_000,
      network: { online: () => true, subscribe: () => () => undefined },
    });
    transport.start();
  });
  afterEach(async () => {
    transport?.stop();
    await new Promise<void>((resolve) => io.close(() => resolve()));
  });

  const cutEveryConnection = () => {
    const cutAt = Date.now();
    for (const socket of io.sockets.sockets.values()) socket.conn.close();
    return cutAt;
  };
  const nextHandshake = async (count: number) => {
    await vi.waitFor(() => expect(handshakes.length).toBe(count), { timeout: 10_000 });
    return handshakes[count - 1] as number;
  };

  it('replaces a connection that was up at once, then backs off from the usual first wait', async () => {
    await nextHandshake(1);
    await vi.waitFor(() => expect(io.sockets.sockets.size).toBe(1));
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    let cutAt = cutEveryConnection();
    // At once: far below the shortest backoff (2 s), whatever the machine's load.
    expect((await nextHandshake(2)) - cutAt).toBeLessThan(1_500);

    // Dropped again right after it came up: the usual wait (2 to 6 s at a 4 s first wait).
    await vi.waitFor(() => expect(io.sockets.sockets.size).toBe(1));
    cutAt = cutEveryConnection();
    expect((await nextHandshake(3)) - cutAt).toBeGreaterThanOrEqual(1_900);
  }, 30_000);
});
