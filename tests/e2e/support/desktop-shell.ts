import { fileURLToPath } from 'node:url';
import type { BrowserContext } from '@playwright/test';
import { createAppSchemeHandler } from '../../../platforms/electron/src/app-scheme.main.ts';
import { contentSecurityPolicy } from '../../../platforms/electron/src/content-security-policy.ts';

const WEB_APP = fileURLToPath(new URL('../../../app/dist', import.meta.url));

/**
 * Where the desktop renderer is served in these tests. Electron serves it from app://anochat,
 * which Chromium under Playwright cannot register; https://localhost is another origin than the
 * sync server's, like app://anochat, and one the server answers CORS for.
 */
export const DESKTOP_ORIGIN = 'https://localhost';

export interface DesktopShell {
  /** What the renderer asked of the main process, in order. */
  notifications: { conversationId: string; title: string; body: string }[];
  badges: number[];
  secrets: Map<string, string>;
  server: string | null;
  /** Plays an event of the main process (a clicked notification, a link, sleep). */
  emit(
    context: BrowserContext,
    channel: 'notification-opened' | 'navigate' | 'power',
    value: string,
  ): Promise<void>;
}

/**
 * The desktop app without Electron (whose binary cannot be downloaded on this machine): the
 * renderer is the same build, served by the main process's own scheme handler with its
 * Content-Security-Policy, and `window.anochatDesktop` is installed before the page runs, with
 * the preload's API, backed by this test standing in for the main process.
 */
export async function installDesktopShell(context: BrowserContext): Promise<DesktopShell> {
  const shell: DesktopShell = {
    notifications: [],
    badges: [],
    secrets: new Map(),
    server: null,
    async emit(target, channel, value) {
      for (const page of target.pages()) {
        await page.evaluate(
          ([name, payload]) =>
            (
              globalThis as unknown as { __desktopEmit: (n: string, p: string) => void }
            ).__desktopEmit(name, payload),
          [channel, value] as const,
        );
      }
    },
  };

  // As the main process grants the app's page (hardening.main.ts): Chromium asks before a page
  // reaches a server on a loopback or private address, such as the test's.
  await context.grantPermissions(['local-network-access'], { origin: DESKTOP_ORIGIN });

  const serve = createAppSchemeHandler({
    webRoot: WEB_APP,
    contentSecurityPolicy: () => contentSecurityPolicy(shell.server),
  });
  await context.route(`${DESKTOP_ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    const answer = await serve(new Request(`app://anochat${url.pathname}`));
    await route.fulfill({
      status: answer.status,
      headers: headersOf(answer),
      body: Buffer.from(await answer.arrayBuffer()),
    });
  });

  await context.exposeBinding('__desktopMain', (_source, method: string, args: unknown[]) => {
    switch (method) {
      case 'startup':
        return {
          ok: { serverUrl: shell.server, secretsProtected: true, initialRoute: null },
        };
      case 'chooseServer':
        shell.server = new URL(String(args[0])).origin;
        return { ok: shell.server };
      case 'getSecret':
        return { ok: shell.secrets.get(String(args[0])) ?? null };
      case 'setSecret':
        shell.secrets.set(String(args[0]), String(args[1]));
        return { ok: null };
      case 'deleteSecret':
        shell.secrets.delete(String(args[0]));
        return { ok: null };
      case 'notify':
        shell.notifications.push(args[0] as DesktopShell['notifications'][number]);
        return { ok: null };
      case 'setBadge':
        shell.badges.push(Number(args[0]));
        return { ok: null };
      default:
        return { error: { code: 'FAILED', message: `no such request ${method}` } };
    }
  });

  await context.addInitScript(() => {
    type Listener = (value: string) => void;
    const main = (
      globalThis as unknown as {
        __desktopMain: (method: string, args: unknown[]) => Promise<unknown>;
      }
    ).__desktopMain;
    const listeners: Record<string, Set<Listener>> = {
      'notification-opened': new Set(),
      navigate: new Set(),
      power: new Set(),
    };
    const subscribe = (channel: string) => (listener: Listener) => {
      listeners[channel]?.add(listener);
      return () => void listeners[channel]?.delete(listener);
    };
    const request =
      (method: string) =>
      (...args: unknown[]) =>
        main(method, args);
    Object.defineProperty(globalThis, '__desktopEmit', {
      value: (channel: string, value: string) => {
        for (const listener of listeners[channel] ?? []) listener(value);
      },
    });
    Object.defineProperty(globalThis, 'anochatDesktop', {
      value: Object.freeze({
        startup: request('startup'),
        chooseServer: request('chooseServer'),
        getSecret: request('getSecret'),
        setSecret: request('setSecret'),
        deleteSecret: request('deleteSecret'),
        notify: request('notify'),
        setBadge: request('setBadge'),
        onNotificationOpened: subscribe('notification-opened'),
        onNavigate: subscribe('navigate'),
        onPower: subscribe('power'),
      }),
    });
  });
  return shell;
}

function headersOf(answer: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  answer.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}
