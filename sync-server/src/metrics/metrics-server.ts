import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../logging/logger.ts';

export interface RunningMetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * GET /metrics in Prometheus' text format on a port of its own, so that the public port (and the
 * load balancer or Ingress in front of it) never exposes it.
 */
export async function listenForMetrics(
  registry: Registry,
  host: string,
  port: number,
  logger: Logger,
): Promise<RunningMetricsServer> {
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'only GET /metrics' } }));
      return;
    }
    registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'Content-Type': registry.contentType });
        response.end(text);
      },
      (error: unknown) => {
        logger.warn({ err: error }, 'metrics collection failed');
        response.writeHead(500, { 'Content-Type': 'application/json' });
        response.end(JSON.stringify({ error: { code: 'INTERNAL', message: 'metrics failed' } }));
      },
    );
  });
  server.listen(port, host);
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
