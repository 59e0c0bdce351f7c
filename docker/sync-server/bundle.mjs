// Bundles sync-server/src/main.ts and what it imports into one ES module for the container image,
// so that the image carries Node and this file but neither TypeScript tooling nor node_modules.
// Usage: node docker/sync-server/bundle.mjs OUT_DIR
//   OUT_DIR/server/bin/main.mjs     the server (run with `node`)
//   OUT_DIR/server/bin/migrate.mjs  the migration command (Kubernetes Job, Compose one-shot)
//   OUT_DIR/migrations/             read at run time two levels up, as in the repository's layout
//   OUT_DIR/node_modules/@anochat/schemas/crypto.proto  resolved at run time by the gRPC client
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repository = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const out = resolve(process.argv[2] ?? join(repository, 'sync-server/dist'));

await build({
  entryPoints: {
    main: join(repository, 'sync-server/src/main.ts'),
    migrate: join(repository, 'sync-server/src/database/migrate-command.ts'),
  },
  outdir: join(out, 'server/bin'),
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifySyntax: true,
  sourcemap: 'linked',
  // Optional native add-ons that the bundled libraries try to load and do without.
  external: ['pg-native', 'bufferutil', 'utf-8-validate'],
  // Bundled CommonJS modules call require(); give the ES module one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

await cp(join(repository, 'sync-server/migrations'), join(out, 'migrations'), { recursive: true });
const schemas = join(out, 'node_modules/@anochat/schemas');
await mkdir(schemas, { recursive: true });
await cp(join(repository, 'schemas/crypto.proto'), join(schemas, 'crypto.proto'));
await writeFile(
  join(schemas, 'package.json'),
  `${JSON.stringify({ name: '@anochat/schemas', type: 'module', exports: { './crypto.proto': './crypto.proto' } }, null, 2)}\n`,
);
await writeFile(join(out, 'package.json'), `${JSON.stringify({ type: 'module' }, null, 2)}\n`);
