/**
 * Process boundaries, checked (docs/architecture.md, "Process boundaries and cycles").
 *
 * A file's name says where it runs: `*.dom.ts` in a browser page, `*.node.ts` in Node, `*.main.ts`
 * in Electron's main process, `*.preload.ts` in Electron's preload, and a file without suffix
 * anywhere. This script fails when a file imports something that cannot run where it runs, and
 * when a TypeScript program gets the other side's globals through a dependency's typings.
 *
 * Which files:
 * - The mixed packages (MIXED_ROOTS) hold code of several processes: there a file without suffix
 *   runs anywhere. A `.vue` component runs in the page.
 * - Everything else scanned (NODE_ROOTS) is one process, Node, as a whole package: a file there
 *   without suffix is Node code (the sync server, benchmarks, scripts); a suffixed one is the
 *   exception it names (a benchmark's page entry, `*.dom.ts`).
 * - Tests are not scanned: they load code of every process under doubles (happy-dom, the Electron
 *   double, Playwright's page) and are type-checked by their own programs.
 * - Type-only imports (`import type`, `export type ... from`) are erased before anything runs
 *   (verbatimModuleSyntax), so they cross boundaries freely; the programs' libraries keep the
 *   types themselves honest.
 *
 * Usage: `node --import tsx scripts/check-boundaries.ts` (from scripts/test.sh); exit 1 on any
 * violation, one line each.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export type Kind = 'anywhere' | 'dom' | 'node' | 'main' | 'preload';

/** Packages whose files belong to several processes; a file without suffix there runs anywhere. */
export const MIXED_ROOTS = [
  'schemas',
  'crypto-native/js',
  'crypto-native/protocol',
  // The crypto benchmark: a Node driver, a page entry and the suite both of them run.
  'crypto-native/bench',
  'app/src',
  'platforms/electron/src',
  'platforms/capacitor',
];

/** Packages that are Node as a whole. */
export const NODE_ROOTS = [
  'sync-server/src',
  'sync-server/bench',
  'bench',
  'app/scripts',
  'app/bench',
];

/**
 * Files of app/src that use the DOM but do not carry `.dom` yet: app/src is regrouped after the
 * branches working in it now are merged, and renaming them here would collide with that work.
 * They count as `dom` files; tsconfig.json (the Node program) excludes the same list, which
 * `checkExemptions` holds to. Remove an entry when its file is renamed.
 */
export const UNSUFFIXED_DOM_FILES: readonly string[] = [
  'app/src/main.ts', // the composition root: the page's document, location, App.vue
  'app/src/router.ts', // vue-router's web history and the pages (.vue)
  'app/src/crypto/nacl-loader.ts', // fetches the .wasm by its Vite asset URL
  'app/src/settings/device-name.ts', // the browser's user agent
  'app/src/settings/theme.ts', // the document's class list and localStorage
  'app/src/ui/composables/use-wide-screen.ts', // matchMedia
];

/** Who may import whom (the importer's kind -> the kinds it may import). */
const MAY_IMPORT: Record<Kind, readonly Kind[]> = {
  anywhere: ['anywhere'],
  dom: ['anywhere', 'dom'],
  node: ['anywhere', 'node'],
  // The main process is Node with Electron's modules.
  main: ['anywhere', 'node', 'main'],
  // The preload runs sandboxed in the renderer: neither the page's code nor Node's.
  preload: ['anywhere', 'preload'],
};

/** Packages that only Node (and Electron's main process) can load, besides Node's builtins. */
const NODE_ONLY_PACKAGES = [
  '@grpc/grpc-js',
  '@grpc/proto-loader',
  '@socket.io/redis-adapter',
  'express',
  'pg',
  'pino',
  'redis',
  'socket.io',
];

/**
 * The end-to-end protocol layer (crypto-native/protocol/README.md) runs in every client and in the
 * server: each of its files runs anywhere (no suffix), and it imports only its own files, the NaCl
 * interface, the shared schemas and pure libraries; never a database, a framework or a transport.
 */
export const PROTOCOL_ROOT = 'crypto-native/protocol';
const PROTOCOL_PACKAGES = ['@anochat/crypto-native', '@anochat/schemas', '@noble/hashes'];

const SUFFIX = /\.(dom|node|main|preload)\.ts$/;
const SKIPPED_DIRECTORIES = new Set([
  'node_modules',
  'build',
  'dist',
  'test',
  'tests',
  'android',
  'ios',
]);

export interface Violation {
  file: string;
  line: number;
  message: string;
}

interface ImportSite {
  specifier: string;
  line: number;
}

const aFile = (kind: Kind) => `${kind === 'anywhere' ? 'an' : 'a'} ${kind} file`;
const posix = (path: string) => path.split(sep).join('/');
const under = (file: string, root: string) => file === root || file.startsWith(`${root}/`);

/** Where a file runs, from its name, the exemptions and its package. */
export function kindOf(file: string): Kind {
  if (file.endsWith('.vue')) return 'dom';
  const suffix = SUFFIX.exec(file);
  if (suffix !== null) return suffix[1] as Kind;
  if (UNSUFFIXED_DOM_FILES.includes(file)) return 'dom';
  return MIXED_ROOTS.some((root) => under(file, root)) ? 'anywhere' : 'node';
}

function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || builtinModules.includes(specifier);
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

/** The runtime imports of a file (type-only ones left out), with their lines. */
export function importsOf(file: string, source: string): ImportSite[] {
  const scripts = file.endsWith('.vue')
    ? [...source.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((match) => ({
        text: match[1] as string,
        offset: match.index + match[0].indexOf('>') + 1,
      }))
    : [{ text: source, offset: 0 }];
  const sites: ImportSite[] = [];
  for (const script of scripts) {
    const parsed = ts.createSourceFile(file, script.text, ts.ScriptTarget.ES2022, true);
    const lineOf = (node: ts.Node) =>
      source.slice(0, script.offset + node.getStart(parsed)).split('\n').length;
    const visit = (node: ts.Node) => {
      if (
        ts.isImportDeclaration(node) &&
        !node.importClause?.isTypeOnly &&
        ts.isStringLiteral(node.moduleSpecifier)
      ) {
        sites.push({ specifier: node.moduleSpecifier.text, line: lineOf(node) });
      } else if (
        ts.isExportDeclaration(node) &&
        !node.isTypeOnly &&
        node.moduleSpecifier !== undefined &&
        ts.isStringLiteral(node.moduleSpecifier)
      ) {
        sites.push({ specifier: node.moduleSpecifier.text, line: lineOf(node) });
      } else if (
        ts.isCallExpression(node) &&
        node.expression.kind === ts.SyntaxKind.ImportKeyword &&
        node.arguments[0] !== undefined &&
        ts.isStringLiteral(node.arguments[0])
      ) {
        sites.push({ specifier: node.arguments[0].text, line: lineOf(node) });
      }
      ts.forEachChild(node, visit);
    };
    visit(parsed);
  }
  return sites;
}

/** The repository's workspace packages: name -> (export subpath -> file), from package.json. */
function workspaceExports(root: string): Map<string, { directory: string; exports: unknown }> {
  const packages = new Map<string, { directory: string; exports: unknown }>();
  const rootManifest = join(root, 'package.json');
  if (!existsSync(rootManifest)) return packages;
  const { workspaces = [] } = JSON.parse(readFileSync(rootManifest, 'utf8')) as {
    workspaces?: string[];
  };
  for (const directory of workspaces) {
    const manifest = join(root, directory, 'package.json');
    if (!existsSync(manifest)) continue;
    const { name, exports } = JSON.parse(readFileSync(manifest, 'utf8')) as {
      name: string;
      exports?: unknown;
    };
    packages.set(name, { directory, exports });
  }
  return packages;
}

/** A workspace package's specifier as a repository path, through its `exports` (with `*`). */
function resolvePackage(
  specifier: string,
  packages: ReturnType<typeof workspaceExports>,
): string | null {
  const name = packageName(specifier);
  const found = packages.get(name);
  if (found === undefined || typeof found.exports !== 'object' || found.exports === null) {
    return null;
  }
  const subpath = `.${specifier.slice(name.length)}`;
  for (const [key, target] of Object.entries(found.exports as Record<string, unknown>)) {
    if (typeof target !== 'string') continue;
    const star = key.indexOf('*');
    if (star === -1 && key === subpath) return posix(join(found.directory, target));
    if (
      star !== -1 &&
      subpath.startsWith(key.slice(0, star)) &&
      subpath.endsWith(key.slice(star + 1))
    ) {
      const middle = subpath.slice(star, subpath.length - (key.length - star - 1));
      return posix(join(found.directory, target.replace('*', middle)));
    }
  }
  return null;
}

function filesUnder(root: string, directory: string): string[] {
  const absolute = join(root, directory);
  if (!existsSync(absolute)) return [];
  const files: string[] = [];
  for (const entry of readdirSync(absolute, { withFileTypes: true })) {
    const path = `${directory}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.has(entry.name)) files.push(...filesUnder(root, path));
    } else if (
      (entry.name.endsWith('.ts') || entry.name.endsWith('.vue')) &&
      !entry.name.endsWith('.d.ts') &&
      !entry.name.endsWith('.test.ts')
    ) {
      files.push(path);
    }
  }
  return files;
}

/** Every import across a boundary under `root` (a repository, or a fixture laid out like one). */
export function checkImports(root: string): Violation[] {
  const packages = workspaceExports(root);
  const violations: Violation[] = [];
  const scanned = [...MIXED_ROOTS, ...NODE_ROOTS].filter(
    // `bench` holds no other root; the roots nested in another are scanned once.
    (directory, _, all) => !all.some((other) => other !== directory && under(directory, other)),
  );
  const files = [...new Set(scanned.flatMap((directory) => filesUnder(root, directory)))].sort();
  for (const file of files) {
    const kind = kindOf(file);
    const inProtocol = under(file, PROTOCOL_ROOT);
    if (inProtocol && kind !== 'anywhere') {
      violations.push({ file, line: 0, message: `the protocol layer holds ${aFile(kind)}` });
    }
    for (const { specifier, line } of importsOf(file, readFileSync(join(root, file), 'utf8'))) {
      const refuse = (message: string) => violations.push({ file, line, message });
      if (
        inProtocol &&
        !specifier.startsWith('.') &&
        !PROTOCOL_PACKAGES.includes(packageName(specifier))
      ) {
        refuse(`the protocol layer imports ${specifier} (only ${PROTOCOL_PACKAGES.join(', ')})`);
        continue;
      }
      if (specifier.startsWith('.')) {
        const target = posix(relative(root, resolve(root, dirname(file), specifier)));
        const targetKind = kindOf(target);
        if (!MAY_IMPORT[kind].includes(targetKind)) {
          refuse(`${aFile(kind)} imports ${target}, ${aFile(targetKind)}`);
        }
        continue;
      }
      if (isNodeBuiltin(specifier) || NODE_ONLY_PACKAGES.includes(packageName(specifier))) {
        if (kind !== 'node' && kind !== 'main') {
          refuse(`${aFile(kind)} imports ${specifier}, which only Node can load`);
        }
        continue;
      }
      if (specifier === 'electron' || specifier.startsWith('electron/')) {
        if (kind !== 'main' && kind !== 'preload') {
          refuse(`${aFile(kind)} imports electron (main process and preload only)`);
        }
        continue;
      }
      const target = resolvePackage(specifier, packages);
      if (target !== null && !MAY_IMPORT[kind].includes(kindOf(target))) {
        refuse(`${aFile(kind)} imports ${specifier} (${target}, ${aFile(kindOf(target))})`);
      }
    }
  }
  return violations;
}

/**
 * The exemption list is the one tsconfig.json leaves out of the Node program, and names files
 * that exist without a suffix (a renamed file's entry must go).
 */
export function checkExemptions(root: string): Violation[] {
  const violations: Violation[] = [];
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile).config as {
    exclude?: string[];
  };
  const excluded = new Set(config.exclude ?? []);
  for (const file of UNSUFFIXED_DOM_FILES) {
    if (!existsSync(join(root, file))) {
      violations.push({ file, line: 0, message: 'listed in UNSUFFIXED_DOM_FILES but missing' });
    }
    if (!excluded.has(file)) {
      violations.push({
        file,
        line: 0,
        message: "in UNSUFFIXED_DOM_FILES, not in tsconfig.json's exclude",
      });
    }
  }
  for (const file of excluded) {
    if (file.startsWith('app/src/') && file.endsWith('.ts') && !file.includes('*')) {
      if (!UNSUFFIXED_DOM_FILES.includes(file)) {
        violations.push({
          file,
          line: 0,
          message: "in tsconfig.json's exclude, not in UNSUFFIXED_DOM_FILES",
        });
      }
    }
  }
  return violations;
}

/**
 * Each program's globals are only its own: a dependency's `/// <reference types="node" />` or
 * `<reference lib="dom" />` would give them to every file of the program without a word (that is
 * how @types/qrcode brought Node into the app; app/types/qrcode.d.ts replaces it there).
 */
export const PROGRAMS: readonly { config: string; forbidden: 'dom' | 'node' }[] = [
  { config: 'tsconfig.json', forbidden: 'dom' },
  { config: 'tsconfig.dom.json', forbidden: 'node' },
  { config: 'app/tsconfig.json', forbidden: 'node' },
];

export function checkProgramGlobals(root: string): Violation[] {
  const violations: Violation[] = [];
  for (const { config, forbidden } of PROGRAMS) {
    const parsed = ts.getParsedCommandLineOfConfigFile(
      join(root, config),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
          throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
        },
      },
    );
    if (parsed === undefined) throw new Error(`cannot read ${config}`);
    const program = ts.createProgram(parsed.fileNames, parsed.options);
    const pattern = forbidden === 'dom' ? /\/typescript\/lib\/lib\.dom\./ : /\/@types\/node\//;
    const leaked = program.getSourceFiles().find((source) => pattern.test(source.fileName));
    if (leaked !== undefined) {
      const why = forbidden === 'dom' ? 'the DOM library' : "Node's types";
      violations.push({
        file: config,
        line: 0,
        message: `the program has ${why} (${posix(relative(root, leaked.fileName))}); run tsc --explainFiles to see who brings them`,
      });
    }
  }
  return violations;
}

function main(): void {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const violations = [
    ...checkImports(root),
    ...checkExemptions(root),
    ...checkProgramGlobals(root),
  ];
  for (const { file, line, message } of violations) console.error(`${file}:${line}: ${message}`);
  if (violations.length > 0) {
    console.error(`${violations.length} process-boundary violation(s)`);
    process.exit(1);
  }
  console.log('process boundaries: every import stays where it runs');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main();
}
