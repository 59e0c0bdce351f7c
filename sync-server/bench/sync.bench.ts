/**
 * npm run bench:sync — one run measures the sync server and writes bench/results/sync.json.
 * Not a test: nothing here fails on a slow machine; the targets are recorded beside the values.
 *
 * Real everything: a throwaway database on the PostgreSQL at 127.0.0.1:5432, the native
 * crypto-native server, the sync server as its own process (src/main.ts on an ephemeral port, so
 * its RSS can be read and it does not share an event loop with the clients) and socket.io clients.
 * Users and devices are inserted with SQL and given access tokens signed with the server's secret
 * (registering thousands of accounts over HTTP would measure Argon2id, not sync); everything that is
 * measured goes through the socket.io API.
 *
 * One file per suite in suites/ (each with its sizes, `BENCH_*` variables); CPU and memory are read
 * by bench/process-usage.ts.
 */
import { cpus } from 'node:os';
import { spawnSyncServer } from '@anochat/test-support/child-sync-server';
import { startTestCryptoServer } from '@anochat/test-support/crypto-server';
import { createTestDatabase } from '@anochat/test-support/database';
import pg from 'pg';
import { cpuSeconds, postgresCpuSeconds, postgresCpuSince } from '../../bench/process-usage.ts';
import { type BenchResult, reportBenchResults } from '../../bench/report.ts';
import { sleep } from './suites/bench-clients.ts';
import { FANOUT_LIGHT_RATE, FANOUT_RATE, fanout } from './suites/fanout.ts';
import { idleMemory } from './suites/idle-memory.ts';
import { initialSync } from './suites/initial-sync.ts';
import { pullPlan } from './suites/pull-plan.ts';
import { pushThroughput } from './suites/push-throughput.ts';

async function main(): Promise<void> {
  const database = await createTestDatabase();
  const crypto = await startTestCryptoServer();
  const results: BenchResult[] = [];
  let server: Awaited<ReturnType<typeof spawnSyncServer>> | undefined;
  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
  try {
    server = await spawnSyncServer(database.url, crypto.address, {
      DATABASE_POOL_MAX: '10',
      LOG_LEVEL: 'info',
    });
    const pid = server.process.pid as number;
    const { baseUrl } = server;
    const phases: [string, () => Promise<BenchResult[]>][] = [
      ['push throughput', () => pushThroughput(baseUrl, pool)],
      ['initial sync', () => initialSync(baseUrl, pool)],
      ['pull plan on a large database', () => pullPlan(pool)],
      ['fan-out latency (light)', () => fanout(baseUrl, pool, FANOUT_LIGHT_RATE)],
      ['fan-out latency (spec)', () => fanout(baseUrl, pool, FANOUT_RATE)],
      ['idle memory (own server process)', () => idleMemory(database.url, crypto.address, pool)],
    ];
    // BENCH_ONLY=<part of a phase title> runs just that phase (while working on it).
    const only = process.env.BENCH_ONLY;
    for (const [title, phase] of phases.filter(
      ([name]) => only === undefined || name.includes(only),
    )) {
      const start = performance.now();
      const serverCpu = cpuSeconds(pid);
      const postgresCpu = postgresCpuSeconds();
      const ownCpu = process.cpuUsage();
      try {
        results.push(...(await phase()));
      } catch (error) {
        console.error(`${title} failed:`, error);
      }
      const seconds = (performance.now() - start) / 1000;
      const own = process.cpuUsage(ownCpu);
      console.log(
        `${title}: ${seconds.toFixed(1)} s, sync server CPU ${(((cpuSeconds(pid) - serverCpu) / seconds) * 100).toFixed(0)}%, ` +
          `PostgreSQL CPU >= ${((postgresCpuSince(postgresCpu) / seconds) * 100).toFixed(0)}%, ` +
          `bench clients CPU ${(((own.user + own.system) / 1e6 / seconds) * 100).toFixed(0)}% (of one core; ${cpus().length} cores)`,
      );
      await sleep(500);
    }
  } finally {
    await server?.stop().catch(() => undefined);
    await pool.end();
    await crypto.cleanup();
    await database.drop();
  }
  reportBenchResults('sync', results);
}

await main();
