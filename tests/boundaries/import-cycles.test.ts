import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * `npx biome ci .` (scripts/test.sh) refuses import cycles through the repository's biome.json.
 * These run Biome with that configuration's linter on fixture folders, so they fail if the rule
 * is switched off, loses type-only imports, or gains exemptions nobody listed.
 */
const REPOSITORY = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIOME = join(REPOSITORY, 'node_modules/.bin/biome');
const config = JSON.parse(readFileSync(join(REPOSITORY, 'biome.json'), 'utf8')) as {
  linter: unknown;
  overrides?: { includes: string[]; linter?: unknown }[];
};

const folders: string[] = [];
after(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** The files Biome reports in a cycle, linting `files` with the repository's linter settings. */
function filesInCycles(files: Record<string, string>): string[] {
  const folder = mkdtempSync(join(tmpdir(), 'anochat-cycles-'));
  folders.push(folder);
  writeFileSync(join(folder, 'biome.json'), JSON.stringify({ linter: config.linter }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), text);
  }
  const run = spawnSync(BIOME, ['lint', '--colors=off', '--max-diagnostics=100', '.'], {
    cwd: folder,
    encoding: 'utf8',
  });
  const output = `${run.stdout}${run.stderr}`;
  return [...output.matchAll(/^(\S+):\d+:\d+ lint\/suspicious\/noImportCycles/gm)]
    .map((match) => match[1] as string)
    .sort();
}

describe('import cycles', () => {
  it('are refused, type-only ones included, wherever they close', () => {
    assert.deepEqual(
      filesInCycles({
        'a.ts': "import { b } from './b.ts';\nexport const a = () => b();\n",
        'b.ts': "import { a } from './a.ts';\nexport const b = () => a();\n",
        'c.ts': "import type { D } from './d.ts';\nexport type C = { d?: D };\n",
        'd.ts': "import type { C } from './c.ts';\nexport type D = { c?: C };\n",
        'x/e.ts': "import { f } from '../f.ts';\nexport const e = f;\n",
        'f.ts': "import { g } from './x/g.ts';\nexport const f = g;\n",
        'x/g.ts': "import { e } from './e.ts';\nexport const g = () => e;\n",
        'clean.ts': "import { h } from './h.ts';\nexport const clean = h;\n",
        'h.ts': 'export const h = 1;\n',
      }),
      ['a.ts', 'b.ts', 'c.ts', 'd.ts', 'f.ts', 'x/e.ts', 'x/g.ts'],
    );
  });

  it('are exempt nowhere: no override turns the rule off', () => {
    const exempt = (config.overrides ?? [])
      .filter((override) => JSON.stringify(override.linter ?? {}).includes('noImportCycles'))
      .flatMap((override) => override.includes);
    assert.deepEqual(exempt, []);
  });
});
