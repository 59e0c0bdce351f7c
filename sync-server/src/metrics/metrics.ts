import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Pool } from '../database/pool.ts';

/** Seconds; from a fast push on an idle server (a few ms) to a slow one under load. */
const LATENCY_BUCKETS = [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface MetricsSources {
  pool: Pool;
  /** crypto-native's Health call (the gRPC channel the server uses). */
  cryptoHealth: () => Promise<{ serving: boolean }>;
  /** How long the gRPC health probe may take at a scrape before it counts as down. */
  probeTimeoutMs?: number;
}

/** What the sync server measures (Prometheus, prom-client), in one registry of its own. */
export interface SyncMetrics {
  registry: Registry;
  connectedDevices: Gauge;
  syncRequests: Counter<'event' | 'outcome'>;
  pushSeconds: Histogram<'outcome'>;
  fanoutSeconds: Histogram;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export function createSyncMetrics(sources: MetricsSources): SyncMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'sync-server' });
  // Process and runtime: CPU, memory, handles, GC, and the event-loop lag (nodejs_eventloop_lag_*).
  collectDefaultMetrics({ register: registry });

  const connectedDevices = new Gauge({
    name: 'anochat_connected_devices',
    help: 'Devices connected to this instance over the sync socket',
    registers: [registry],
  });
  const syncRequests = new Counter({
    name: 'anochat_sync_requests_total',
    help: 'Pulls (one per collection) and pushes handled, by outcome (ok or the error code)',
    labelNames: ['event', 'outcome'] as const,
    registers: [registry],
  });
  const pushSeconds = new Histogram({
    name: 'anochat_push_duration_seconds',
    help: 'From a push batch reaching the service to its answer (verification, transaction, commit)',
    labelNames: ['outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const fanoutSeconds = new Histogram({
    name: 'anochat_fanout_duration_seconds',
    help: 'From a change notice reaching this instance to the first documents streamed to a device of a person it concerns',
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });

  const { pool } = sources;
  new Gauge({
    name: 'anochat_db_pool_connections',
    help: 'PostgreSQL pool connections of this instance, by state',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
  const probeTimeoutMs = sources.probeTimeoutMs ?? 1_000;
  new Gauge({
    name: 'anochat_crypto_native_up',
    help: '1 when crypto-native answers its gRPC Health call with serving, else 0 (asked at each scrape)',
    registers: [registry],
    async collect() {
      const serving = await withTimeout(sources.cryptoHealth(), probeTimeoutMs).then(
        (health) => health.serving,
        () => false,
      );
      this.set(serving ? 1 : 0);
    },
  });
  return { registry, connectedDevices, syncRequests, pushSeconds, fanoutSeconds };
}
