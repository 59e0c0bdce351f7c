import { parseArgs } from 'node:util';
import { percentile } from '../../bench/measure.ts';
import { type BenchResult, reportBenchResults } from '../../bench/report.ts';
import { newSeed } from './prng.ts';
import { LATENCY_PROFILE, PROFILES } from './profiles.ts';
import { type RunResult, runChaos, startHarness } from './run-chaos.ts';
import { planRun } from './schedule.ts';

/**
 * `npm run chaos -- --runs N [--seed S] [--profile faults|quick|latency] [--latency-runs M]`
 *
 * Runs N fault runs (seeds S, S+1, ... or fresh ones, each printed), then M runs of the latency
 * profile, prints every run's findings and writes bench/results/chaos.json. `--seed S --runs 1`
 * replays one run's schedule. `--no-report` skips the results file (replaying a seed).
 */
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '1' },
    seed: { type: 'string' },
    profile: { type: 'string', default: 'faults' },
    'latency-runs': { type: 'string', default: '2' },
    'no-report': { type: 'boolean', default: false },
  },
});
const runs = Number(values.runs);
const latencyRuns = Number(values['latency-runs']);
const profile = PROFILES[values.profile];
if (profile === undefined || !Number.isInteger(runs) || runs < 0 || !(latencyRuns >= 0)) {
  console.error(
    'usage: npm run chaos -- --runs N [--seed S] [--profile faults|quick|latency] [--latency-runs M]',
  );
  process.exit(2);
}
const firstSeed = values.seed === undefined ? null : Number(values.seed);
const seedOf = (index: number) => (firstSeed === null ? newSeed() : (firstSeed + index) >>> 0);

function summary(result: RunResult): string {
  const f = result.findings;
  const problems = [
    f.lost && `lost ${f.lost}`,
    f.duplicated && `duplicated ${f.duplicated}`,
    f.outOfOrder && `out-of-order ${f.outOfOrder}`,
    f.skipped && `skipped ${f.skipped}`,
    f.stuck && `stuck ${f.stuck}`,
    f.unreadable && `unreadable ${f.unreadable}`,
    f.signOuts && `sign-outs ${f.signOuts}`,
    f.serverExits && `server exits ${f.serverExits}`,
  ].filter(Boolean);
  const faults = Object.entries(result.faults)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${kind} ${count}`)
    .join(', ');
  const sorted = [...f.latencies].sort((a, b) => a - b);
  const latency =
    sorted.length === 0
      ? ''
      : `; latency p50 ${percentile(sorted, 50)} ms, p95 ${percentile(sorted, 95)} ms, p99 ${percentile(sorted, 99)} ms`;
  return `seed ${result.seed} [${result.profile}] ${result.clients} clients, ${f.messages} messages, faults: ${faults || 'none'}; settled in ${(result.settledInMs / 1000).toFixed(1)} s; ${problems.length === 0 ? 'OK' : `FAILED: ${problems.join(', ')}`}${latency}`;
}

function details(result: RunResult) {
  for (const example of result.findings.examples) console.log(`    ${example}`);
  for (const error of result.sendErrors.slice(0, 5)) console.log(`    send error: ${error}`);
  for (const line of result.serverErrors.slice(0, 5))
    console.log(`    server: ${line.slice(0, 300)}`);
  for (const line of result.clientWarnings.slice(0, 5)) console.log(`    app: ${line}`);
}

const harness = await startHarness();
const results: RunResult[] = [];
const latencyResults: RunResult[] = [];
const failedSeeds: number[] = [];
try {
  for (let index = 0; index < runs + latencyRuns; index++) {
    const latency = index >= runs;
    const seed = seedOf(index);
    console.log(`run ${index + 1}/${runs + latencyRuns}: seed ${seed}`);
    const result = await runChaos(
      harness,
      planRun(seed, latency ? LATENCY_PROFILE : profile),
      (line) => console.log(`  ${line}`),
    );
    console.log(`  ${summary(result)}`);
    const f = result.findings;
    if (
      f.lost +
        f.duplicated +
        f.outOfOrder +
        f.skipped +
        f.stuck +
        f.unreadable +
        f.signOuts +
        f.serverExits >
      0
    ) {
      failedSeeds.push(seed);
      details(result);
    }
    (latency ? latencyResults : results).push(result);
  }
} finally {
  await harness.close();
}

const total = (
  pick: (result: RunResult) => number,
  from: RunResult[] = [...results, ...latencyResults],
) => from.reduce((sum, result) => sum + pick(result), 0);
const faultKinds = new Map<string, number>();
for (const result of [...results, ...latencyResults]) {
  for (const [kind, count] of Object.entries(result.faults)) {
    faultKinds.set(kind, (faultKinds.get(kind) ?? 0) + count);
  }
}
const latencies = latencyResults
  .flatMap((result) => result.findings.latencies)
  .sort((a, b) => a - b);
const zero = (metric: string, value: number, unit: string): BenchResult => ({
  metric,
  value,
  unit,
  target: 0,
  better: 'lower',
});
const report: BenchResult[] = [
  {
    metric: 'chaos.runs',
    value: results.length + latencyResults.length,
    unit: 'runs',
    target: 200,
    better: 'higher',
  },
  {
    metric: 'chaos.messages',
    value: total((r) => r.findings.messages),
    unit: 'messages',
    target: null,
    better: 'higher',
  },
  ...[...faultKinds].sort().map(
    ([kind, count]): BenchResult => ({
      metric: `chaos.faults.${kind}`,
      value: count,
      unit: 'faults',
      target: null,
      better: 'higher',
    }),
  ),
  zero(
    'chaos.lost',
    total((r) => r.findings.lost),
    'pairs',
  ),
  zero(
    'chaos.duplicated',
    total((r) => r.findings.duplicated),
    'messages',
  ),
  zero(
    'chaos.out_of_order',
    total((r) => r.findings.outOfOrder),
    'pairs',
  ),
  zero(
    'chaos.skipped',
    total((r) => r.findings.skipped),
    'arrivals',
  ),
  zero(
    'chaos.stuck',
    total((r) => r.findings.stuck),
    'messages',
  ),
  zero(
    'chaos.unreadable',
    total((r) => r.findings.unreadable),
    'pairs',
  ),
  zero(
    'chaos.sign_outs',
    total((r) => r.findings.signOuts),
    'sign-outs',
  ),
  zero(
    'chaos.server_exits',
    total((r) => r.findings.serverExits),
    'exits',
  ),
  zero('chaos.failed_runs', failedSeeds.length, 'runs'),
  {
    metric: 'chaos.latency_800ms_rtt_5pct_cuts.p50',
    value: percentile(latencies, 50),
    unit: 'ms',
    target: null,
    better: 'lower',
  },
  {
    metric: 'chaos.latency_800ms_rtt_5pct_cuts.p95',
    value: percentile(latencies, 95),
    unit: 'ms',
    target: 3_000,
    better: 'lower',
  },
  {
    metric: 'chaos.latency_800ms_rtt_5pct_cuts.p99',
    value: percentile(latencies, 99),
    unit: 'ms',
    target: null,
    better: 'lower',
  },
  {
    metric: 'chaos.latency_800ms_rtt_5pct_cuts.deliveries',
    value: latencies.length,
    unit: 'deliveries',
    target: null,
    better: 'higher',
  },
];
console.log('');
if (failedSeeds.length > 0)
  console.log(`failed seeds (replay with --seed S --runs 1): ${failedSeeds.join(' ')}\n`);
if (values['no-report']) console.log('(no results file written)');
else reportBenchResults('chaos', report);
process.exit(failedSeeds.length === 0 ? 0 : 1);
