import type { Session, WebContents, WebPreferences } from 'electron';
import { APP_ORIGIN, originOf } from './app-scheme.main.ts';

/**
 * Electron's security checklist, as code: every window of the app is created with these
 * preferences, every web contents and the session get the guards below, and nothing relaxes them
 * later. The renderer is the same web app the browser runs; it gets only the preload's bridge.
 */
export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: true,
  };
}

export interface NavigationPolicy {
  /** The chosen sync server's origin (null before the first choice). */
  serverOrigin(): string | null;
  /** Hands a URL to the system's browser. */
  openExternal(url: string): void;
  /** Reports what was refused (for the log; never with page contents). */
  refused(what: string, url: string): void;
}

/**
 * What a page may open: within the app, anything of the app's own origin; a link to the chosen
 * server (its web pages, say) goes to the system browser, never into a window that has the
 * bridge; everything else is refused. New windows are never created.
 */
export function guardWebContents(contents: WebContents, policy: NavigationPolicy): void {
  const outside = (url: string, what: string): void => {
    const origin = originOf(url);
    const server = policy.serverOrigin();
    if (server !== null && origin === server) policy.openExternal(url);
    else policy.refused(what, url);
  };

  contents.on('will-navigate', (event) => {
    if (originOf(event.url) === APP_ORIGIN) return;
    event.preventDefault();
    outside(event.url, 'navigation');
  });
  contents.on('will-frame-navigate', (event) => {
    // The main frame's navigations are will-navigate's; this guards the frames inside it.
    if (event.isMainFrame || originOf(event.url) === APP_ORIGIN) return;
    event.preventDefault();
    policy.refused('frame navigation', event.url);
  });
  contents.on('will-redirect', (event) => {
    if (originOf(event.url) === APP_ORIGIN) return;
    event.preventDefault();
    policy.refused('redirect', event.url);
  });
  contents.setWindowOpenHandler(({ url }) => {
    outside(url, 'window.open');
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    policy.refused('webview', '');
  });
}

/**
 * Permissions (camera, microphone, geolocation, notifications of the web API, clipboard reading,
 * USB, HID, serial...) are denied to every page: notifications come from the main process through
 * the bridge. Granted to the app's own page only: writing to the clipboard (the "Copy your user
 * ID" button), and reaching a server on this machine or the local network (Chromium asks before a
 * page talks to a loopback or private address), which the Content-Security-Policy already limits
 * to the server the person chose.
 */
const APP_ONLY_PERMISSIONS = new Set([
  'clipboard-sanitized-write',
  'local-network-access',
  'local-network',
  'loopback-network',
]);

export function denyPermissions(session: Session): void {
  const allowed = (permission: string, origin: string | null | undefined) =>
    APP_ONLY_PERMISSIONS.has(permission) && origin === APP_ORIGIN;
  session.setPermissionRequestHandler((contents, permission, callback, details) => {
    callback(allowed(permission, originOf(details.requestingUrl ?? contents.getURL())));
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    allowed(permission, originOf(requestingOrigin)),
  );
  session.setDevicePermissionHandler(() => false);
}
