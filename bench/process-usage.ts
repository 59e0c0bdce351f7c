/**
 * CPU and memory of processes on this machine, read from /proc (Linux): what the benchmarks report
 * beside their timings, for the server they measure and the PostgreSQL it uses.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** User + system CPU seconds of a process so far (clock ticks of 1/100 s). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds of each live `postgres` process on this machine (the server the benchmark uses). */
export function postgresCpuSeconds(): Map<number, number> {
  const total = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      total.set(Number(entry), cpuSeconds(Number(entry)));
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

/** CPU used since `before` by the postgres processes alive now (a lower bound: ended ones are lost). */
export function postgresCpuSince(before: Map<number, number>): number {
  let used = 0;
  for (const [pid, seconds] of postgresCpuSeconds()) used += seconds - (before.get(pid) ?? 0);
  return used;
}

/** Resident memory of a process now. */
export function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  if (!match) throw new Error('no VmRSS');
  return Number(match[1]);
}
