/**
 * What can be checked of packaging here: the bundles electron-builder packs, and its
 * configuration against electron-builder's own schema. Building installers needs Electron's
 * binary, which this machine cannot download (see platforms/README.md).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';

const PACKAGE = fileURLToPath(new URL('..', import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

function json(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

describe('desktop packaging', () => {
  it('bundles a preload that requires nothing but electron, and a main process beside the web build', () => {
    execFileSync('bash', ['scripts/build-app.sh'], { cwd: ROOT, stdio: 'pipe' });
    execFileSync('bash', ['scripts/bundle.sh'], {
      cwd: PACKAGE,
      env: { ...process.env, SKIP_WEB_BUILD: '1' },
      stdio: 'pipe',
    });
    const preload = readFileSync(`${PACKAGE}/build/preload.cjs`, 'utf8');
    const required = new Set([...preload.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]));
    assert.deepEqual([...required], ['electron']);
    assert.match(preload, /exposeInMainWorld\)?\(/);

    const main = readFileSync(`${PACKAGE}/build/main.cjs`, 'utf8');
    const mainRequires = new Set([...main.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]));
    for (const name of mainRequires) assert.match(name ?? '', /^(electron|node:[a-z/]+)$/);
    assert.equal(json(`${PACKAGE}/package.json`).main, 'build/main.cjs');
  });

  it('has an electron-builder configuration its schema accepts, for Linux, Windows and macOS', () => {
    // `npm run desktop:dist` builds from the configuration tested here.
    const scripts = json(`${PACKAGE}/package.json`).scripts as Record<string, string>;
    assert.match(scripts.dist ?? '', /electron-builder --config electron-builder\.json$/);
    const config = json(`${PACKAGE}/electron-builder.json`);
    const schema = json(`${ROOT}/node_modules/app-builder-lib/scheme.json`);
    const ajv = new Ajv({ allErrors: true, strict: false });
    const valid = ajv.validate(schema, config);
    assert.equal(valid, true, JSON.stringify(ajv.errors));

    assert.deepEqual((config.linux as { target: string[] }).target, ['deb', 'AppImage']);
    assert.deepEqual((config.win as { target: string[] }).target, ['nsis']);
    assert.deepEqual((config.mac as { target: string[] }).target, ['dmg', 'zip']);
    assert.deepEqual(config.protocols, [{ name: 'AnoChat link', schemes: ['anochat'] }]);
    assert.deepEqual(config.files, ['build/**/*', 'package.json']);
    // Electron's fuses, burnt into the packaged binary: no running as plain Node, no NODE_OPTIONS,
    // no inspector flags, the app only from its (integrity-checked) asar.
    assert.deepEqual(config.electronFuses, {
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
      loadBrowserProcessSpecificV8Snapshot: false,
    });
  });
});
