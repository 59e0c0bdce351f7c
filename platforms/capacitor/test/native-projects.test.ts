/**
 * The Android and iOS projects after `cap sync` (scripts/test.sh runs scripts/sync.sh first).
 * Gradle, the Android SDK and Xcode cannot run on this machine, so the apps are not built here:
 * these checks read what the build would take in, the copied web app and the plugin lists.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const PROJECT = fileURLToPath(new URL('..', import.meta.url));
const WEB_BUILD = fileURLToPath(new URL('../../../app/dist', import.meta.url));
const ANDROID_WEB = join(PROJECT, 'android/app/src/main/assets/public');
const IOS_WEB = join(PROJECT, 'ios/App/App/public');

function files(root: string): string[] {
  const found: string[] = [];
  const walk = (directory: string) => {
    for (const entry of readdirSync(directory)) {
      const path = join(directory, entry);
      if (statSync(path).isDirectory()) walk(path);
      else found.push(relative(root, path));
    }
  };
  walk(root);
  return found.filter((file) => !file.startsWith('.')).sort();
}

function read(path: string): string {
  return readFileSync(join(PROJECT, path), 'utf8');
}

const plugins = Object.keys(
  (JSON.parse(read('package.json')) as { dependencies: Record<string, string> }).dependencies,
).filter((name) => !['@capacitor/core', '@capacitor/android', '@capacitor/ios'].includes(name));

describe('the synced mobile projects', () => {
  it('carry the current web build, file for file, in Android and in iOS', () => {
    const web = files(WEB_BUILD);
    assert.ok(web.includes('index.html'));
    assert.ok(
      web.some((file) => file.endsWith('.wasm')),
      'the crypto module is part of the build',
    );
    for (const copy of [ANDROID_WEB, IOS_WEB]) {
      // Capacitor adds its Cordova compatibility scripts beside the app.
      const copied = files(copy).filter((file) => !/^cordova(_plugins)?\.js$/.test(file));
      assert.deepEqual(copied, web, copy);
      for (const file of web) {
        assert.ok(
          readFileSync(join(copy, file)).equals(readFileSync(join(WEB_BUILD, file))),
          `${file} in ${copy} is the build's`,
        );
      }
    }
  });

  it('register every plugin the app uses, natively on both platforms', () => {
    assert.equal(plugins.length, 11);
    const android = JSON.parse(read('android/app/src/main/assets/capacitor.plugins.json')) as {
      pkg: string;
    }[];
    assert.deepEqual(android.map((plugin) => plugin.pkg).sort(), [...plugins].sort());
    const gradle = read('android/capacitor.settings.gradle');
    const swiftPackage = read('ios/App/CapApp-SPM/Package.swift');
    for (const plugin of plugins) {
      assert.ok(gradle.includes(`node_modules/${plugin}/android`), `${plugin} in Gradle`);
      assert.ok(swiftPackage.includes(`node_modules/${plugin}"`), `${plugin} in Package.swift`);
    }
  });

  it('carry the app’s Capacitor configuration', () => {
    for (const path of [
      'android/app/src/main/assets/capacitor.config.json',
      'ios/App/App/capacitor.config.json',
    ]) {
      const config = JSON.parse(read(path)) as Record<string, unknown>;
      assert.equal(config.appId, 'org.anochat.app');
      assert.deepEqual((config.plugins as Record<string, unknown>).SystemBars, {
        insetsHandling: 'css',
        initialViewportFitValueHint: 'cover',
      });
    }
  });

  it('open anochat:// links and accept shared pictures and files, and keep keys out of backups', () => {
    const manifest = read('android/app/src/main/AndroidManifest.xml');
    assert.match(manifest, /<data android:scheme="anochat" \/>/);
    assert.match(manifest, /android\.intent\.action\.SEND"/);
    assert.match(manifest, /android\.intent\.action\.SEND_MULTIPLE"/);
    assert.match(manifest, /android:allowBackup="false"/);
    assert.match(manifest, /POST_NOTIFICATIONS/);
    const plist = read('ios/App/App/Info.plist');
    assert.match(plist, /<key>CFBundleURLSchemes<\/key>\s*<array>\s*<string>anochat<\/string>/);
    assert.match(plist, /NSCameraUsageDescription/);
  });
});
