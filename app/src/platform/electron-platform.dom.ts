import { isLinkableRoute } from '@anochat/schemas/platform/deep-links';
import type {
  DesktopAnswer,
  DesktopBridge,
  DesktopFailure,
} from '@anochat/schemas/platform/desktop-bridge';
import {
  type AppLifecycle,
  checkSecretName,
  type LifecycleState,
  type Platform,
  PlatformError,
  serverOrigin,
} from './platform.ts';
import { BROWSER_BARS, browserFiles, browserNetwork } from './web-platform.dom.ts';

function failed(answer: DesktopAnswer<unknown>): answer is DesktopFailure {
  return 'error' in answer;
}

/** The bridge's answer, or a PlatformError for its refusal (its message never holds a secret). */
async function unwrap<T>(
  request: Promise<DesktopAnswer<T>>,
  code: PlatformError['code'] = 'PLATFORM_FAILED',
): Promise<T> {
  const answer = await request;
  if (failed(answer)) {
    throw new PlatformError(
      answer.error.code === 'INVALID_SERVER_URL' ? 'INVALID_SERVER_URL' : code,
      answer.error.message,
    );
  }
  return answer.ok;
}

/**
 * The computer going to sleep is the desktop's "background": on waking, the socket it had is
 * likely dead, so sync reconnects and pulls, as a phone does on resume.
 */
function powerLifecycle(bridge: DesktopBridge): AppLifecycle {
  let state: LifecycleState = 'active';
  const listeners = new Set<(state: LifecycleState) => void>();
  bridge.onPower((power) => {
    state = power === 'suspend' ? 'background' : 'active';
    for (const listener of listeners) listener(state);
  });
  return {
    state: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * The desktop app: the web app in Electron, with the preload's bridge (`window.anochatDesktop`)
 * for what a browser cannot do: the server chosen by the person, secrets in the operating
 * system's store, native notifications and the badge, pages asked for by links and the menu.
 * The network and files are the browser's own, which Electron's Chromium provides.
 */
export async function createElectronPlatform(bridge: DesktopBridge): Promise<Platform> {
  const startup = await unwrap(bridge.startup());
  let server = startup.serverUrl;
  let initialRoute = startup.initialRoute;

  return {
    kind: 'electron',
    server: {
      current: () => server,
      choosable: true,
      async choose(url) {
        server = await unwrap(bridge.chooseServer(serverOrigin(url)));
      },
    },
    secrets: {
      protectedAtRest: startup.secretsProtected,
      async get(name) {
        checkSecretName(name);
        return unwrap(bridge.getSecret(name), 'SECRET_STORE_UNAVAILABLE');
      },
      async set(name, value) {
        checkSecretName(name);
        await unwrap(bridge.setSecret(name, value), 'SECRET_STORE_UNAVAILABLE');
      },
      async delete(name) {
        checkSecretName(name);
        await unwrap(bridge.deleteSecret(name), 'SECRET_STORE_UNAVAILABLE');
      },
    },
    network: browserNetwork(),
    lifecycle: powerLifecycle(bridge),
    notifications: {
      // The operating system asks the person (or lets them turn AnoChat off) in its own settings.
      permission: () => 'granted',
      requestPermission: async () => 'granted',
      show(notice) {
        bridge.notify(notice).catch(() => undefined);
      },
      setBadge(count) {
        bridge.setBadge(Math.max(0, Math.floor(count))).catch(() => undefined);
      },
      onOpened: (listener) => bridge.onNotificationOpened(listener),
    },
    // The desktop notifies from its own process (it runs while the window is closed).
    webPush: null,
    files: browserFiles(),
    links: {
      takeInitialRoute() {
        const route = initialRoute;
        initialRoute = null;
        return route;
      },
      subscribe: (listener) =>
        bridge.onNavigate((route) => {
          if (isLinkableRoute(route)) listener(route);
        }),
    },
    backButton: null,
    shareTarget: null,
    systemBars: BROWSER_BARS,
  };
}
