import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from '@playwright/test';
import { createAppSchemeHandler } from '../../../platforms/electron/src/app-scheme.main.ts';

const WEB_APP = fileURLToPath(new URL('../../../app/dist', import.meta.url));

/** Capacitor serves the Android app's pages from https://localhost. */
export const ANDROID_ORIGIN = 'https://localhost';

/** Where Capacitor's web view serves the phone's files (`Capacitor.convertFileSrc`). */
const CAPACITOR_FILE_PREFIX = '/_capacitor_file_';

/** The native methods the app's plugins call, by plugin (Capacitor's PluginHeaders). */
const NATIVE_METHODS: Record<string, string[]> = {
  App: ['getState', 'getLaunchUrl', 'minimizeApp', 'exitApp'],
  Network: ['getStatus'],
  Preferences: ['get', 'set', 'remove'],
  SecureStorage: [
    'setSynchronizeKeychain',
    'internalGetItem',
    'internalSetItem',
    'internalRemoveItem',
    'internalClearItemsWithPrefix',
    'internalGetPrefixedKeys',
  ],
  LocalNotifications: ['checkPermissions', 'requestPermissions', 'schedule'],
  Badge: ['set', 'clear', 'isSupported'],
  SystemBars: ['setStyle'],
  CapacitorShareTarget: [],
};

export interface AndroidShell {
  preferences: Map<string, string>;
  keystore: Map<string, string>;
  /** Every native call, as `Plugin.method`. */
  calls: string[];
  scheduled: unknown[];
  badges: number[];
  /**
   * Files on the phone, by `file://` path, that the web view may read through Capacitor's file
   * URLs (what a share from another app points at).
   */
  files: Map<string, { body: Buffer; mimeType: string }>;
  /** Plays a native event to the page's listeners (App `backButton`, `pause`, `resume`...). */
  emit(page: Page, plugin: string, event: string, data?: unknown): Promise<void>;
}

/**
 * The Android app without Android (its SDK and emulator cannot run on this machine): the page is
 * the same build at Capacitor's origin, and before it runs it gets what Capacitor's native bridge
 * would give it: `androidBridge` (so @capacitor/core takes the native path), the plugin headers,
 * and `nativePromise`/`nativeCallback`, answered here by this test in place of the native plugins.
 * The app's real plugin packages and @capacitor/core run unchanged on top.
 */
export async function installAndroidShell(context: BrowserContext): Promise<AndroidShell> {
  const shell: AndroidShell = {
    preferences: new Map(),
    keystore: new Map(),
    calls: [],
    scheduled: [],
    badges: [],
    files: new Map(),
    async emit(page, plugin, event, data = {}) {
      await page.evaluate(
        ([name, eventName, payload]) =>
          (
            globalThis as unknown as {
              __androidEmit: (plugin: string, event: string, data: unknown) => void;
            }
          ).__androidEmit(name, eventName, payload),
        [plugin, event, data] as const,
      );
    },
  };

  // The page is served by the test, which Chromium counts as a public origin: it would ask before
  // the page reaches the test's server on 127.0.0.1 (Android's web view serves it from the app).
  await context.grantPermissions(['local-network-access'], { origin: ANDROID_ORIGIN });
  const serve = createAppSchemeHandler({ webRoot: WEB_APP, contentSecurityPolicy: () => '' });
  await context.route(`${ANDROID_ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname.startsWith(CAPACITOR_FILE_PREFIX)) {
      const file = shell.files.get(`file://${url.pathname.slice(CAPACITOR_FILE_PREFIX.length)}`);
      await route.fulfill(
        file === undefined
          ? { status: 404 }
          : { status: 200, contentType: file.mimeType, body: file.body },
      );
      return;
    }
    const answer = await serve(new Request(`app://anochat${url.pathname}`));
    const headers = headersOf(answer);
    delete headers['content-security-policy'];
    await route.fulfill({
      status: answer.status,
      headers,
      body: Buffer.from(await answer.arrayBuffer()),
    });
  });

  await context.exposeBinding(
    '__androidNative',
    (_source, plugin: string, method: string, options: Record<string, unknown>) => {
      shell.calls.push(`${plugin}.${method}`);
      const key = `${plugin}.${method}`;
      switch (key) {
        case 'App.getState':
          return { data: { isActive: true } };
        case 'App.getLaunchUrl':
          return { data: {} };
        case 'Network.getStatus':
          return { data: { connected: true, connectionType: 'wifi' } };
        case 'Preferences.get':
          return { data: { value: shell.preferences.get(String(options.key)) ?? null } };
        case 'Preferences.set':
          shell.preferences.set(String(options.key), String(options.value));
          return { data: {} };
        case 'SecureStorage.internalGetItem':
          return { data: { data: shell.keystore.get(String(options.prefixedKey)) ?? null } };
        case 'SecureStorage.internalSetItem':
          shell.keystore.set(String(options.prefixedKey), String(options.data));
          return { data: {} };
        case 'SecureStorage.internalRemoveItem':
          return { data: { success: shell.keystore.delete(String(options.prefixedKey)) } };
        case 'LocalNotifications.checkPermissions':
        case 'LocalNotifications.requestPermissions':
          return { data: { display: 'granted' } };
        case 'LocalNotifications.schedule':
          shell.scheduled.push(options);
          return { data: { notifications: [] } };
        case 'Badge.set':
          shell.badges.push(Number(options.count));
          return { data: {} };
        case 'Badge.clear':
          shell.badges.push(0);
          return { data: {} };
        default:
          return { data: {} };
      }
    },
  );

  await context.addInitScript((methods: Record<string, string[]>) => {
    type Callback = (data: unknown, error?: unknown) => void;
    const listeners = new Map<string, Map<string, Callback>>();
    let nextCallbackId = 1;
    const native = (
      globalThis as unknown as {
        __androidNative: (
          plugin: string,
          method: string,
          options: unknown,
        ) => Promise<{
          data?: unknown;
          error?: { message: string };
        }>;
      }
    ).__androidNative;
    Object.assign(globalThis, {
      androidBridge: { postMessage: () => undefined },
      __androidEmit(plugin: string, event: string, data: unknown) {
        for (const callback of listeners.get(`${plugin}/${event}`)?.values() ?? []) callback(data);
      },
      Capacitor: {
        PluginHeaders: Object.entries(methods).map(([name, promised]) => ({
          name,
          methods: [
            ...promised.map((method) => ({ name: method, rtype: 'promise' })),
            { name: 'addListener', rtype: 'callback' },
            { name: 'removeListener', rtype: 'promise' },
            { name: 'removeAllListeners', rtype: 'promise' },
          ],
        })),
        // What Capacitor's native bridge script sets before the page's own scripts run.
        isNativePlatform: () => true,
        getPlatform: () => 'android',
        // As Capacitor's Android bridge: a file:// path is served by the web view's own origin.
        convertFileSrc: (path: string) =>
          path.startsWith('file://')
            ? `${location.origin}/_capacitor_file_${path.slice('file://'.length)}`
            : path,
        async nativePromise(plugin: string, method: string, options: Record<string, unknown>) {
          if (method === 'removeListener') {
            listeners.get(`${plugin}/${options.eventName}`)?.delete(String(options.callbackId));
            return undefined;
          }
          const answer = await native(plugin, method, options ?? {});
          if (answer.error) throw new Error(answer.error.message);
          return answer.data;
        },
        nativeCallback(
          plugin: string,
          method: string,
          options: Record<string, unknown>,
          callback: Callback,
        ) {
          const callbackId = String(nextCallbackId++);
          if (method === 'addListener') {
            const key = `${plugin}/${options.eventName}`;
            const set = listeners.get(key) ?? new Map<string, Callback>();
            set.set(callbackId, callback);
            listeners.set(key, set);
          }
          return callbackId;
        },
      },
    });
  }, NATIVE_METHODS);
  return shell;
}

/** The page as the operating system leaves it in the background (hidden) or brings it back. */
export async function setPageVisible(page: Page, visible: boolean): Promise<void> {
  await page.evaluate((shown) => {
    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      get: () => (shown ? 'visible' : 'hidden'),
    });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => !shown });
    document.dispatchEvent(new Event('visibilitychange'));
  }, visible);
}

function headersOf(answer: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  answer.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}
