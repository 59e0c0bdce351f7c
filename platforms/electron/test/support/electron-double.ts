/**
 * A test double of the `electron` module. Electron's binary comes from GitHub, which this machine
 * cannot reach, so the main process and the preload run under Node with `electron` resolved to
 * this file (use-electron-double.ts). It records what the code under test asked Electron to do
 * and lets a test play what Electron would do (a navigation, an IPC call, a permission request),
 * nothing more: it makes no decision of its own.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class FakeWebFrame {
  constructor(public url: string) {}
}

interface PreventableEvent {
  url: string;
  isMainFrame: boolean;
  preventDefault(): void;
}

export class FakeWebContents extends EventEmitter {
  private static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  readonly mainFrame: FakeWebFrame;
  readonly sent: { channel: string; args: unknown[] }[] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;

  constructor(url = 'about:blank') {
    super();
    this.mainFrame = new FakeWebFrame(url);
  }

  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }

  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }

  getURL(): string {
    return this.mainFrame.url;
  }

  async loadURL(url: string): Promise<void> {
    this.mainFrame.url = url;
  }

  /** Plays a navigation event as Chromium would emit it; true when a listener prevented it. */
  attempt(
    event: 'will-navigate' | 'will-frame-navigate' | 'will-redirect',
    url: string,
    isMainFrame = true,
  ): boolean {
    let prevented = false;
    const details: PreventableEvent = {
      url,
      isMainFrame,
      preventDefault: () => {
        prevented = true;
      },
    };
    this.emit(event, details, url);
    return prevented;
  }

  attemptWebview(): boolean {
    let prevented = false;
    this.emit('will-attach-webview', { preventDefault: () => (prevented = true) }, {}, {});
    return prevented;
  }
}

export class BrowserWindow extends EventEmitter {
  static readonly instances: BrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  readonly overlayIcons: { icon: unknown; description: string }[] = [];
  visible = false;
  focused = false;
  maximized = false;
  minimized = false;
  destroyed = false;
  bounds: { x: number; y: number; width: number; height: number };

  constructor(readonly options: Record<string, unknown>) {
    super();
    this.bounds = {
      x: Number(options.x ?? 100),
      y: Number(options.y ?? 100),
      width: Number(options.width ?? 800),
      height: Number(options.height ?? 600),
    };
    BrowserWindow.instances.push(this);
    app.emit('web-contents-created', {}, this.webContents);
  }

  loadURL(url: string): Promise<void> {
    return this.webContents.loadURL(url);
  }
  show(): void {
    this.visible = true;
  }
  focus(): void {
    this.focused = true;
  }
  restore(): void {
    this.minimized = false;
  }
  maximize(): void {
    this.maximized = true;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  getNormalBounds() {
    return { ...this.bounds };
  }
  setOverlayIcon(icon: unknown, description: string): void {
    this.overlayIcons.push({ icon, description });
  }
}

class FakeApp extends EventEmitter {
  sandboxEnabled = false;
  singleInstanceLockAvailable = true;
  quitCalled = false;
  isPackaged = false;
  userData = '';
  readonly badgeCounts: number[] = [];
  readonly protocolClients: { scheme: string; args: unknown[] }[] = [];

  enableSandbox(): void {
    this.sandboxEnabled = true;
  }
  requestSingleInstanceLock(): boolean {
    return this.singleInstanceLockAvailable;
  }
  quit(): void {
    this.quitCalled = true;
  }
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  getPath(name: string): string {
    if (name !== 'userData') throw new Error(`double: no path ${name}`);
    return this.userData;
  }
  getVersion(): string {
    return '0.0.0-test';
  }
  setAsDefaultProtocolClient(scheme: string, ...args: unknown[]): boolean {
    this.protocolClients.push({ scheme, args });
    return true;
  }
  setBadgeCount(count: number): boolean {
    this.badgeCounts.push(count);
    return true;
  }
}

export const app = new FakeApp();

type Handler = (request: Request) => Promise<Response>;

export const protocol = {
  privileged: [] as unknown[],
  handlers: new Map<string, Handler>(),
  registerSchemesAsPrivileged(schemes: unknown[]): void {
    this.privileged.push(...schemes);
  },
  handle(scheme: string, handler: Handler): void {
    this.handlers.set(scheme, handler);
  },
};

type PermissionRequestHandler = (
  contents: FakeWebContents,
  permission: string,
  callback: (granted: boolean) => void,
  details: { requestingUrl?: string; isMainFrame?: boolean },
) => void;
type PermissionCheckHandler = (
  contents: FakeWebContents | null,
  permission: string,
  requestingOrigin: string,
  details: unknown,
) => boolean;

export const session = {
  defaultSession: {
    permissionRequestHandler: null as PermissionRequestHandler | null,
    permissionCheckHandler: null as PermissionCheckHandler | null,
    devicePermissionHandler: null as ((details: unknown) => boolean) | null,
    setPermissionRequestHandler(handler: PermissionRequestHandler) {
      this.permissionRequestHandler = handler;
    },
    setPermissionCheckHandler(handler: PermissionCheckHandler) {
      this.permissionCheckHandler = handler;
    },
    setDevicePermissionHandler(handler: (details: unknown) => boolean) {
      this.devicePermissionHandler = handler;
    },
  },
};

type InvokeHandler = (event: unknown, ...args: unknown[]) => Promise<unknown>;

export const ipcMain = {
  handlers: new Map<string, InvokeHandler>(),
  handle(channel: string, handler: InvokeHandler): void {
    if (this.handlers.has(channel)) throw new Error(`double: second handler for ${channel}`);
    this.handlers.set(channel, handler);
  },
  /** Plays an `ipcRenderer.invoke` arriving from `sender`'s `frame`. */
  invoke(
    channel: string,
    from: { sender: FakeWebContents; frame?: FakeWebFrame | null },
    ...args: unknown[]
  ): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (handler === undefined) throw new Error(`double: no handler for ${channel}`);
    const senderFrame = from.frame === undefined ? from.sender.mainFrame : from.frame;
    return handler({ sender: from.sender, senderFrame }, ...args);
  },
};

/** Stands in for the OS key store: reversible, but never the plaintext on disk. */
const SEAL = Buffer.from('double-os-key');
function xor(bytes: Buffer): Buffer {
  return Buffer.from(bytes.map((byte, index) => byte ^ (SEAL[index % SEAL.length] ?? 0)));
}

export const safeStorage = {
  available: true,
  backend: 'gnome_libsecret' as string,
  async isAsyncEncryptionAvailable(): Promise<boolean> {
    return this.available;
  },
  async encryptStringAsync(plainText: string): Promise<Buffer> {
    if (!this.available) throw new Error('double: encryption unavailable');
    return Buffer.concat([Buffer.from('v1'), xor(Buffer.from(plainText, 'utf8'))]);
  },
  async decryptStringAsync(sealed: Buffer): Promise<{ shouldReEncrypt: boolean; result: string }> {
    if (sealed.subarray(0, 2).toString() !== 'v1') throw new Error('double: not sealed here');
    return { shouldReEncrypt: false, result: xor(sealed.subarray(2)).toString('utf8') };
  },
  getSelectedStorageBackend(): string {
    return this.backend;
  },
};

export class Notification extends EventEmitter {
  static readonly instances: Notification[] = [];
  static isSupported(): boolean {
    return true;
  }
  shown = false;
  closed = false;
  constructor(readonly options: { title: string; body: string }) {
    super();
    Notification.instances.push(this);
  }
  show(): void {
    this.shown = true;
  }
  close(): void {
    this.closed = true;
    this.emit('close');
  }
}

export const Menu = {
  applicationMenu: null as { template: unknown[] } | null,
  buildFromTemplate(template: unknown[]) {
    return { template };
  },
  setApplicationMenu(menu: { template: unknown[] }) {
    this.applicationMenu = menu;
  },
};

export class Tray extends EventEmitter {
  static readonly instances: Tray[] = [];
  tooltip = '';
  title = '';
  contextMenu: unknown = null;
  constructor(readonly image: unknown) {
    super();
    Tray.instances.push(this);
  }
  setToolTip(tooltip: string): void {
    this.tooltip = tooltip;
  }
  setTitle(title: string): void {
    this.title = title;
  }
  setContextMenu(menu: unknown): void {
    this.contextMenu = menu;
  }
}

interface FakeImage {
  source: string;
  resize(size: unknown): FakeImage;
}

export const nativeImage = {
  createFromPath(path: string): FakeImage {
    const image: FakeImage = { source: path, resize: () => image };
    return image;
  },
  createFromBitmap(buffer: Buffer, size: { width: number; height: number }): FakeImage {
    const image: FakeImage = {
      source: `bitmap ${size.width}x${size.height} (${buffer.length} bytes)`,
      resize: () => image,
    };
    return image;
  },
};

export const shell = {
  opened: [] as string[],
  async openExternal(url: string): Promise<void> {
    this.opened.push(url);
  },
};

export const screen = {
  workAreas: [{ x: 0, y: 0, width: 1920, height: 1080 }],
  getAllDisplays() {
    return this.workAreas.map((workArea) => ({ workArea }));
  },
};

export const powerMonitor = new EventEmitter();

export const contextBridge = {
  exposed: new Map<string, unknown>(),
  exposeInMainWorld(key: string, api: unknown): void {
    this.exposed.set(key, api);
  },
};

class FakeIpcRenderer extends EventEmitter {
  readonly invoked: { channel: string; args: unknown[] }[] = [];
  answer: (channel: string, args: unknown[]) => unknown = () => ({ ok: null });
  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invoked.push({ channel, args });
    return Promise.resolve(this.answer(channel, args));
  }
}

export const ipcRenderer = new FakeIpcRenderer();

/**
 * A fresh double for the next test: no windows, handlers or listeners, and a new profile folder,
 * or the given one (an app restarted on the same profile).
 */
export function resetElectronDouble(keepProfile?: string): void {
  if (app.userData !== '' && app.userData !== keepProfile) {
    rmSync(app.userData, { recursive: true, force: true });
  }
  app.removeAllListeners();
  Object.assign(app, {
    sandboxEnabled: false,
    singleInstanceLockAvailable: true,
    quitCalled: false,
    isPackaged: false,
    userData: keepProfile ?? mkdtempSync(join(tmpdir(), 'anochat-electron-')),
  });
  app.badgeCounts.length = 0;
  app.protocolClients.length = 0;
  BrowserWindow.instances.length = 0;
  protocol.privileged.length = 0;
  protocol.handlers.clear();
  Object.assign(session.defaultSession, {
    permissionRequestHandler: null,
    permissionCheckHandler: null,
    devicePermissionHandler: null,
  });
  ipcMain.handlers.clear();
  Object.assign(safeStorage, { available: true, backend: 'gnome_libsecret' });
  Notification.instances.length = 0;
  Menu.applicationMenu = null;
  Tray.instances.length = 0;
  shell.opened.length = 0;
  screen.workAreas = [{ x: 0, y: 0, width: 1920, height: 1080 }];
  powerMonitor.removeAllListeners();
  contextBridge.exposed.clear();
  ipcRenderer.removeAllListeners();
  ipcRenderer.invoked.length = 0;
}

resetElectronDouble();

export default {
  app,
  BrowserWindow,
  protocol,
  session,
  ipcMain,
  safeStorage,
  Notification,
  Menu,
  Tray,
  nativeImage,
  shell,
  screen,
  powerMonitor,
  contextBridge,
  ipcRenderer,
};
