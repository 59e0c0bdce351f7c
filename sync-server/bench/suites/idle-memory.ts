import { spawnSyncServer } from '@anochat/test-support/child-sync-server';
import { seedCertifiedDevices } from '@anochat/test-support/seeded-devices';
import type pg from 'pg';
import { sizeFromEnv } from '../../../bench/measure.ts';
import { rssKiB } from '../../../bench/process-usage.ts';
import type { BenchResult } from '../../../bench/report.ts';
import { closeAll, connectAll, nacl, sleep } from './bench-clients.ts';

const IDLE_DEVICES = sizeFromEnv('BENCH_IDLE_DEVICES', 5000);

/** (4) Server RSS per connected idle device: RSS before and after IDLE_DEVICES connections. */
export async function idleMemory(
  databaseUrl: string,
  cryptoAddress: string,
  pool: pg.Pool,
): Promise<BenchResult[]> {
  // A fresh server process, so garbage left by the earlier phases does not move its RSS.
  const server = await spawnSyncServer(databaseUrl, cryptoAddress, { DATABASE_POOL_MAX: '10' });
  try {
    return await idleMemoryOf(server.baseUrl, pool, server.process.pid as number);
  } finally {
    await server.stop();
  }
}

async function idleMemoryOf(baseUrl: string, pool: pg.Pool, pid: number): Promise<BenchResult[]> {
  const devices = await seedCertifiedDevices(nacl, pool, IDLE_DEVICES, 'idle');
  // A small warm-up set, so one-off allocations (first handshake, code paths) are not counted.
  const warm = await connectAll(baseUrl, await seedCertifiedDevices(nacl, pool, 200, 'warm'));
  await sleep(2000);
  const before = rssKiB(pid);
  const clients = await connectAll(baseUrl, devices, 100);
  await sleep(3000);
  const after = rssKiB(pid);
  closeAll([...clients, ...warm]);
  const name = `idle.${IDLE_DEVICES}_connected_devices`;
  return [
    {
      metric: `${name}.server_rss_per_device`,
      value: (after - before) / IDLE_DEVICES,
      unit: 'KiB',
      target: 50,
      better: 'lower',
    },
    {
      metric: `${name}.server_rss_before`,
      value: before / 1024,
      unit: 'MiB',
      target: null,
      better: 'lower',
    },
    {
      metric: `${name}.server_rss_total`,
      value: after / 1024,
      unit: 'MiB',
      target: null,
      better: 'lower',
    },
  ];
}
