import { once } from 'node:events';
import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RunningHttpServer {
  server: Server;
  port: number;
  /**
   * Stops accepting connections, lets requests in flight finish, and after `timeoutMs` cuts the
   * connections that are still open.
   */
  close(timeoutMs: number): Promise<void>;
}

export async function listen(
  handler: RequestListener,
  host: string,
  port: number,
): Promise<RunningHttpServer> {
  const server = createServer(handler);
  const inFlight = new Set<ServerResponse>();
  server.on('request', (_request, response: ServerResponse) => {
    inFlight.add(response);
    response.once('close', () => inFlight.delete(response));
  });
  server.listen(port, host);
  await once(server, 'listening');

  /** A keep-alive client would otherwise hold its connection (and close()) open after its answer. */
  function closeAfterResponding(response: ServerResponse): void {
    if (!response.headersSent) response.setHeader('Connection', 'close');
    else response.once('finish', () => response.socket?.end());
  }

  return {
    server,
    port: (server.address() as AddressInfo).port,
    async close(timeoutMs) {
      const closed = new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
      for (const response of inFlight) closeAfterResponding(response);
      server.closeIdleConnections();
      const deadline = setTimeout(() => server.closeAllConnections(), timeoutMs);
      try {
        await closed;
      } finally {
        clearTimeout(deadline);
      }
    },
  };
}
