import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  checkExemptions,
  checkImports,
  checkProgramGlobals,
  kindOf,
  UNSUFFIXED_DOM_FILES,
} from '../../scripts/check-boundaries.ts';

const REPOSITORY = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A throwaway folder laid out like the repository, with the files given (path -> text). */
function fixture(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'anochat-boundaries-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  roots.push(root);
  return root;
}
const roots: string[] = [];
after(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

const messages = (root: string) =>
  checkImports(root).map(({ file, line, message }) => `${file}:${line}: ${message}`);

describe('where a file runs', () => {
  it('is its suffix, else anywhere in a mixed package and Node in a Node package', () => {
    assert.equal(kindOf('app/src/platform/web-platform.dom.ts'), 'dom');
    assert.equal(kindOf('platforms/electron/src/ipc.main.ts'), 'main');
    assert.equal(kindOf('platforms/electron/src/bridge.preload.ts'), 'preload');
    assert.equal(kindOf('crypto-native/js/index.node.ts'), 'node');
    assert.equal(kindOf('app/src/ui/components/ChatPane.vue'), 'dom');
    assert.equal(kindOf('schemas/rxdb/sync.ts'), 'anywhere');
    assert.equal(kindOf('sync-server/src/sync-server.ts'), 'node');
    assert.equal(kindOf(UNSUFFIXED_DOM_FILES[0] as string), 'dom');
  });
});

describe('imports across a process boundary', () => {
  it('finds nothing in files that import only what runs where they run', () => {
    const root = fixture({
      'app/src/chat.ts': "import { x } from './shared.ts';\nexport const y = x;\n",
      'app/src/shared.ts': 'export const x = 1;\n',
      'app/src/page.dom.ts': "import { x } from './shared.ts';\nimport './widget.dom.ts';\n",
      'app/src/widget.dom.ts': 'export {};\n',
      'app/src/Pane.vue':
        '<template><p/></template>\n<script setup lang="ts">\nimport \'./page.dom.ts\';\n</script>\n',
      'app/src/types-only.ts': "import type { A } from './page.dom.ts';\nexport type B = A;\n",
      'crypto-native/js/disk.node.ts': "import { readFile } from 'node:fs/promises';\n",
      'platforms/electron/src/app.main.ts':
        "import { app } from 'electron';\nimport '../../../crypto-native/js/disk.node.ts';\n",
      'platforms/electron/src/bridge.preload.ts': "import { ipcRenderer } from 'electron';\n",
      'sync-server/src/server.ts': "import pg from 'pg';\nimport { join } from 'node:path';\n",
    });
    assert.deepEqual(messages(root), []);
  });

  it('refuses a file without suffix that imports a suffixed file, a component or a Node builtin', () => {
    const root = fixture({
      'app/src/chat.ts':
        "import './page.dom.ts';\nimport Pane from './Pane.vue';\nimport { readFile } from 'fs';\n",
      'app/src/page.dom.ts': 'export {};\n',
      'app/src/Pane.vue': '<template><p/></template>\n',
      'schemas/limits.ts':
        "export { x } from './disk.node.ts';\nconst os = await import('node:os');\n",
      'schemas/disk.node.ts': 'export const x = 1;\n',
      'crypto-native/js/grpc.ts': "import * as grpc from '@grpc/grpc-js';\n",
    });
    assert.deepEqual(messages(root), [
      'app/src/chat.ts:1: an anywhere file imports app/src/page.dom.ts, a dom file',
      'app/src/chat.ts:2: an anywhere file imports app/src/Pane.vue, a dom file',
      'app/src/chat.ts:3: an anywhere file imports fs, which only Node can load',
      'crypto-native/js/grpc.ts:1: an anywhere file imports @grpc/grpc-js, which only Node can load',
      'schemas/limits.ts:1: an anywhere file imports schemas/disk.node.ts, a node file',
      'schemas/limits.ts:2: an anywhere file imports node:os, which only Node can load',
    ]);
  });

  it('refuses page code and Node, main or preload code importing each other', () => {
    const root = fixture({
      'app/src/platform.dom.ts': "import '../../platforms/electron/src/bridge.preload.ts';\n",
      'app/src/Pane.vue':
        '<script setup lang="ts">\nimport { x } from \'../../crypto-native/js/disk.node.ts\';\n</script>\n',
      'crypto-native/js/disk.node.ts':
        "import '../../app/src/platform.dom.ts';\nexport const x = 1;\n",
      'platforms/electron/src/app.main.ts': "import '../../../app/src/platform.dom.ts';\n",
      'platforms/electron/src/bridge.preload.ts':
        "import '../../../crypto-native/js/disk.node.ts';\nimport { readFile } from 'node:fs';\n",
      'sync-server/src/server.ts': "import '../../app/src/platform.dom.ts';\nimport 'electron';\n",
    });
    assert.deepEqual(messages(root), [
      'app/src/Pane.vue:2: a dom file imports crypto-native/js/disk.node.ts, a node file',
      'app/src/platform.dom.ts:1: a dom file imports platforms/electron/src/bridge.preload.ts, a preload file',
      'crypto-native/js/disk.node.ts:1: a node file imports app/src/platform.dom.ts, a dom file',
      'platforms/electron/src/app.main.ts:1: a main file imports app/src/platform.dom.ts, a dom file',
      'platforms/electron/src/bridge.preload.ts:1: a preload file imports crypto-native/js/disk.node.ts, a node file',
      'platforms/electron/src/bridge.preload.ts:2: a preload file imports node:fs, which only Node can load',
      'sync-server/src/server.ts:1: a node file imports app/src/platform.dom.ts, a dom file',
      'sync-server/src/server.ts:2: a node file imports electron (main process and preload only)',
    ]);
  });

  it('keeps the protocol layer to files that run anywhere and to its own few packages', () => {
    const root = fixture({
      'crypto-native/protocol/keys.ts':
        "import { x } from './codec.ts';\nimport type { RxDatabase } from 'rxdb';\nimport { blake2b } from '@noble/hashes/blake2.js';\nimport { createWasmNacl } from '@anochat/crypto-native';\nimport { LIMIT } from '@anochat/schemas/e2e/limits';\n",
      'crypto-native/protocol/codec.ts': 'export const x = 1;\n',
      'crypto-native/protocol/client/cache.ts': "import { merge } from 'rxjs';\nimport 'vue';\n",
      'crypto-native/protocol/client/store.dom.ts': 'export {};\n',
      'crypto-native/protocol/client/disk.ts': "import { readFile } from 'node:fs';\n",
    });
    assert.deepEqual(messages(root), [
      'crypto-native/protocol/client/cache.ts:1: the protocol layer imports rxjs (only @anochat/crypto-native, @anochat/schemas, @noble/hashes)',
      'crypto-native/protocol/client/cache.ts:2: the protocol layer imports vue (only @anochat/crypto-native, @anochat/schemas, @noble/hashes)',
      'crypto-native/protocol/client/disk.ts:1: the protocol layer imports node:fs (only @anochat/crypto-native, @anochat/schemas, @noble/hashes)',
      'crypto-native/protocol/client/store.dom.ts:0: the protocol layer holds a dom file',
    ]);
  });

  it("follows a workspace package's exports to the file they name", () => {
    const root = fixture({
      'package.json': JSON.stringify({ workspaces: ['crypto-native', 'app'] }),
      'crypto-native/package.json': JSON.stringify({
        name: '@anochat/crypto-native',
        exports: { '.': './js/index.ts', './node': './js/index.node.ts', './parts/*': './js/*.ts' },
      }),
      'crypto-native/js/index.ts': 'export {};\n',
      'crypto-native/js/index.node.ts': 'export {};\n',
      'crypto-native/js/grpc.node.ts': 'export {};\n',
      'app/src/crypto.ts':
        "import '@anochat/crypto-native';\nimport '@anochat/crypto-native/node';\nimport '@anochat/crypto-native/parts/grpc.node';\n",
    });
    assert.deepEqual(messages(root), [
      'app/src/crypto.ts:2: an anywhere file imports @anochat/crypto-native/node (crypto-native/js/index.node.ts, a node file)',
      'app/src/crypto.ts:3: an anywhere file imports @anochat/crypto-native/parts/grpc.node (crypto-native/js/grpc.node.ts, a node file)',
    ]);
  });

  it('finds nothing in this repository', () => {
    assert.deepEqual(messages(REPOSITORY), []);
    assert.deepEqual(checkExemptions(REPOSITORY), []);
  });
});

describe('the exemption list', () => {
  it("must match the Node program's exclude and name files that exist", () => {
    const listed = UNSUFFIXED_DOM_FILES.slice(1);
    const root = fixture({
      'tsconfig.json': JSON.stringify({ exclude: ['**/*.dom.ts', ...listed, 'app/src/extra.ts'] }),
      ...Object.fromEntries(UNSUFFIXED_DOM_FILES.slice(2).map((file) => [file, 'export {};\n'])),
    });
    assert.deepEqual(
      checkExemptions(root).map(({ file, message }) => `${file}: ${message}`),
      [
        `${UNSUFFIXED_DOM_FILES[0]}: listed in UNSUFFIXED_DOM_FILES but missing`,
        `${UNSUFFIXED_DOM_FILES[0]}: in UNSUFFIXED_DOM_FILES, not in tsconfig.json's exclude`,
        `${UNSUFFIXED_DOM_FILES[1]}: listed in UNSUFFIXED_DOM_FILES but missing`,
        "app/src/extra.ts: in tsconfig.json's exclude, not in UNSUFFIXED_DOM_FILES",
      ],
    );
  });
});

describe("a program's globals", () => {
  it("notices the DOM library in the Node program and Node's types in a browser program", () => {
    const typeRoots = [join(REPOSITORY, 'node_modules/@types')];
    const program = (options: object) =>
      JSON.stringify({ compilerOptions: { noEmit: true, ...options }, include: ['*.ts'] });
    const root = fixture({
      'tsconfig.json': program({ lib: ['ES2022', 'DOM'], types: [] }),
      'tsconfig.dom.json': program({ lib: ['ES2022', 'DOM'], types: ['node'], typeRoots }),
      'app/tsconfig.json': program({ lib: ['ES2022', 'DOM'], types: [] }),
      'app/index.ts': 'export {};\n',
      'index.ts': 'export {};\n',
    });
    const found = checkProgramGlobals(root).map(({ file, message }) => `${file}: ${message}`);
    assert.equal(found.length, 2);
    assert.match(found[0] as string, /^tsconfig\.json: the program has the DOM library/);
    assert.match(found[1] as string, /^tsconfig\.dom\.json: the program has Node's types/);
  });
});
