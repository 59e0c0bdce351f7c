import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** One line of a benchmark's results, as every suite writes it to bench/results/<suite>.json. */
export interface BenchResult {
  metric: string;
  value: number;
  unit: string;
  target: number | null;
  better: 'higher' | 'lower';
}

const RESULTS_FOLDER = fileURLToPath(new URL('./results/', import.meta.url));

function meetsTarget({ value, target, better }: BenchResult): boolean | null {
  if (target === null) return null;
  return better === 'higher' ? value >= target : value <= target;
}

function formatValue({ value, unit }: BenchResult): string {
  if (value >= 100) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(unit === 'x' ? 3 : 2);
}

function printTable(results: readonly BenchResult[]): void {
  const rows = results.map((result) => {
    const met = meetsTarget(result);
    return [
      result.metric,
      formatValue(result),
      result.unit,
      result.target === null ? '' : `${result.better === 'higher' ? '>=' : '<='} ${result.target}`,
      met === null ? '' : met ? 'met' : 'MISSED',
    ];
  });
  const header = ['metric', 'value', 'unit', 'target', ''];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 1 ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ');
  console.log(line(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));
}

/** Prints the table and writes bench/results/<suite>.json. */
export function reportBenchResults(suite: string, results: readonly BenchResult[]): void {
  printTable(results);
  mkdirSync(RESULTS_FOLDER, { recursive: true });
  const file = `${RESULTS_FOLDER}${suite}.json`;
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote ${file}`);
}
