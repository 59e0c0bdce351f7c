import { createConnection, createServer, type Socket } from 'node:net';

/**
 * A TCP relay between a page and the sync server, to play a link that dies silently: `cutSilently`
 * stops carrying the connections open now, in both directions, without closing them (no FIN, no
 * RST), as when a phone's radio drops in a tunnel or the system freezes an app. New connections
 * are carried as usual.
 */
export async function startLinkProxy(target: URL) {
  const open = new Set<{ client: Socket; server: Socket }>();
  const cut = new Set<{ client: Socket; server: Socket }>();
  const relay = createServer((client) => {
    const server = createConnection({ host: target.hostname, port: Number(target.port) });
    const pair = { client, server };
    open.add(pair);
    client.pipe(server);
    server.pipe(client);
    const close = () => {
      open.delete(pair);
      client.destroy();
      server.destroy();
    };
    client.on('error', close);
    server.on('error', close);
    client.on('close', close);
    server.on('close', close);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const address = relay.address();
  if (address === null || typeof address === 'string') throw new Error('proxy: no port');

  return {
    url: `http://127.0.0.1:${address.port}`,
    /** From now on, what is sent on today's connections goes nowhere (tomorrow's work). */
    cutSilently(): void {
      for (const { client, server } of open) {
        client.unpipe(server);
        server.unpipe(client);
        client.removeAllListeners('data');
        server.removeAllListeners('data');
        client.on('data', () => undefined);
        server.on('data', () => undefined);
        cut.add({ client, server });
      }
      open.clear();
    },
    async stop(): Promise<void> {
      await new Promise<void>((resolve) => {
        relay.close(() => resolve());
        for (const { client, server } of [...open, ...cut]) {
          client.destroy();
          server.destroy();
        }
      });
    },
  };
}
