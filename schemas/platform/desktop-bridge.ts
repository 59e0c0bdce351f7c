import type { MessageNotice } from './message-notice.ts';

/**
 * The contract between the desktop app's renderer (the web app) and its main process: the one
 * object the preload exposes with `contextBridge`, the IPC channels behind it, and the arguments
 * the main process accepts on each (`desktop-ipc.ts`). Nothing else of Electron or Node reaches
 * the renderer. This file imports no code, so the preload bundle stays a few lines of glue.
 */

/** The name of the bridge on the renderer's `window`. */
export const DESKTOP_BRIDGE_GLOBAL = 'anochatDesktop';

/** Renderer -> main requests (`ipcRenderer.invoke`), each answered by one handler. */
export const DESKTOP_REQUESTS = {
  startup: 'anochat:startup',
  chooseServer: 'anochat:choose-server',
  getSecret: 'anochat:get-secret',
  setSecret: 'anochat:set-secret',
  deleteSecret: 'anochat:delete-secret',
  notify: 'anochat:notify',
  setBadge: 'anochat:set-badge',
} as const;

/** Main -> renderer events (`webContents.send`). */
export const DESKTOP_EVENTS = {
  notificationOpened: 'anochat:notification-opened',
  navigate: 'anochat:navigate',
  power: 'anochat:power',
} as const;

export type DesktopRequest = (typeof DESKTOP_REQUESTS)[keyof typeof DESKTOP_REQUESTS];

/** What the renderer learns once, before it starts the app. */
export interface DesktopStartup {
  /** The chosen server's origin, or null before the first choice. */
  serverUrl: string | null;
  /** Whether the operating system's secret store protects the device secrets at rest. */
  secretsProtected: boolean;
  /** A page an `anochat://` link asked for when the app was started by it. */
  initialRoute: string | null;
}

/** Answer of the main process to a request it refused or that failed. */
export interface DesktopFailure {
  error: {
    code: 'FORBIDDEN_SENDER' | 'INVALID_ARGUMENTS' | 'INVALID_SERVER_URL' | 'FAILED';
    message: string;
  };
}

export type DesktopAnswer<T> = { ok: T } | DesktopFailure;

export type PowerState = 'suspend' | 'resume';

export type Unlisten = () => void;

/** The bridge as the renderer sees it on `window.anochatDesktop`. */
export interface DesktopBridge {
  startup(): Promise<DesktopAnswer<DesktopStartup>>;
  chooseServer(url: string): Promise<DesktopAnswer<string>>;
  getSecret(name: string): Promise<DesktopAnswer<string | null>>;
  setSecret(name: string, value: string): Promise<DesktopAnswer<null>>;
  deleteSecret(name: string): Promise<DesktopAnswer<null>>;
  notify(notice: MessageNotice): Promise<DesktopAnswer<null>>;
  setBadge(count: number): Promise<DesktopAnswer<null>>;
  onNotificationOpened(listener: (conversationId: string) => void): Unlisten;
  /** A page to show: from an `anochat://` link or the menu. */
  onNavigate(listener: (route: string) => void): Unlisten;
  /** The computer going to sleep and waking up (sync reconnects and pulls on waking). */
  onPower(listener: (state: PowerState) => void): Unlisten;
}
