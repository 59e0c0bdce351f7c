import { join } from 'node:path';
import { routeOfDeepLink } from '@anochat/schemas/platform/deep-links';
import { DESKTOP_EVENTS, type PowerState } from '@anochat/schemas/platform/desktop-bridge';
import { parseServerOrigin } from '@anochat/schemas/platform/server-origin';
import {
  app,
  BrowserWindow,
  ipcMain,
  Menu,
  nativeImage,
  powerMonitor,
  protocol,
  safeStorage,
  screen,
  session,
  shell,
  Tray,
} from 'electron';
import {
  APP_ORIGIN,
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  createAppSchemeHandler,
} from './app-scheme.main.ts';
import { contentSecurityPolicy } from './content-security-policy.ts';
import { registerLinkHandler, routeFromCommandLine } from './deep-links.main.ts';
import { loadDesktopSettings } from './desktop-settings.node.ts';
import { denyPermissions, guardWebContents, secureWebPreferences } from './hardening.main.ts';
import { DesktopRequestError, handleDesktopRequests } from './ipc.main.ts';
import { applicationMenu } from './menu.main.ts';
import { createDesktopNotifier } from './notifications.main.ts';
import { createSecretVault } from './secret-vault.main.ts';
import { createUnreadBadge, unreadLabel } from './unread-badge.main.ts';
import { initialBounds, rememberWindowState } from './window-state.main.ts';

export interface DesktopOptions {
  /** The web app's Vite build. */
  webRoot: string;
  /** The bundled preload script. */
  preloadPath: string;
  argv?: readonly string[];
  platform?: NodeJS.Platform;
  log?(message: string): void;
}

/**
 * The desktop app's main process, wired from its parts: one hardened window showing the web app
 * from the app's scheme, the bridge's handlers, notifications, the unread badge, the tray, the
 * menu, `anochat://` links and one instance at a time. Returns null when another instance runs
 * (this one hands over its command line and quits).
 */
export async function startDesktop(options: DesktopOptions) {
  const platform = options.platform ?? process.platform;
  const log = options.log ?? ((message: string) => console.warn(`anochat: ${message}`));
  app.enableSandbox();
  // Before the app is ready, as Electron requires of privileged schemes.
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_SCHEME_PRIVILEGES }]);
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return null;
  }

  let window: BrowserWindow | null = null;
  let tray: Tray | null = null;
  const appContents = new Set<number>();
  let pendingRoute = routeFromCommandLine(options.argv ?? process.argv);
  let serverOrigin: () => string | null = () => null;

  function showWindow(): void {
    if (window === null) return;
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  }

  function navigate(route: string): void {
    if (window === null) {
      pendingRoute = route;
      return;
    }
    showWindow();
    window.webContents.send(DESKTOP_EVENTS.navigate, route);
  }

  app.on('second-instance', (_event, argv) => {
    showWindow();
    const route = routeFromCommandLine(argv);
    if (route !== null) navigate(route);
  });
  app.on('open-url', (event, url) => {
    event.preventDefault();
    const route = routeOfDeepLink(url);
    if (route !== null) navigate(route);
  });
  app.on('web-contents-created', (_event, contents) => {
    guardWebContents(contents, {
      serverOrigin: () => serverOrigin(),
      openExternal: (url) => void shell.openExternal(url),
      refused: (what, url) => log(`refused ${what} to ${url === '' ? 'a webview' : url}`),
    });
  });
  app.on('window-all-closed', () => {
    if (platform !== 'darwin') app.quit();
  });

  await app.whenReady();
  const userData = app.getPath('userData');
  const settings = await loadDesktopSettings(join(userData, 'settings.json'));
  serverOrigin = settings.serverUrl;
  const vault = createSecretVault({
    file: join(userData, 'secrets.json'),
    safeStorage,
    platform,
  });
  const notifier = createDesktopNotifier({
    onOpened(conversationId) {
      showWindow();
      window?.webContents.send(DESKTOP_EVENTS.notificationOpened, conversationId);
    },
  });
  const badge = createUnreadBadge({ app, platform, window: () => window, tray: () => tray });

  denyPermissions(session.defaultSession);
  protocol.handle(
    APP_SCHEME,
    createAppSchemeHandler({
      webRoot: options.webRoot,
      contentSecurityPolicy: () => contentSecurityPolicy(settings.serverUrl()),
    }),
  );
  if (!registerLinkHandler(app, process)) log('could not register as the anochat:// handler');

  handleDesktopRequests(ipcMain, {
    appContentsIds: () => appContents,
    onRefused: (channel, code) => log(`refused ${channel}: ${code}`),
    handlers: {
      'anochat:startup': async () => {
        const initialRoute = pendingRoute;
        pendingRoute = null;
        return {
          serverUrl: settings.serverUrl(),
          secretsProtected: await vault.protectedAtRest(),
          initialRoute,
        };
      },
      'anochat:choose-server': async (url) => {
        const parsed = parseServerOrigin(url);
        if ('problem' in parsed)
          throw new DesktopRequestError('INVALID_SERVER_URL', parsed.problem);
        await settings.setServerUrl(parsed.origin);
        return parsed.origin;
      },
      'anochat:get-secret': (name) => vault.get(name),
      'anochat:set-secret': (name, value) => vault.set(name, value),
      'anochat:delete-secret': (name) => vault.delete(name),
      'anochat:notify': (notice) => notifier.show(notice),
      'anochat:set-badge': (count) => badge.set(count),
    },
  });

  const sendPower = (state: PowerState) => () =>
    window?.webContents.send(DESKTOP_EVENTS.power, state);
  powerMonitor.on('suspend', sendPower('suspend'));
  powerMonitor.on('resume', sendPower('resume'));

  Menu.setApplicationMenu(
    Menu.buildFromTemplate(applicationMenu({ platform, developing: !app.isPackaged, navigate })),
  );

  const icon = nativeImage.createFromPath(join(options.webRoot, 'icons', 'icon-192.png'));
  tray = new Tray(icon.resize({ width: 22, height: 22 }));
  tray.setToolTip(unreadLabel(0));
  tray.on('click', showWindow);
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: 'Open AnoChat', click: showWindow },
      { type: 'separator' },
      { role: 'quit' },
    ]),
  );

  function createWindow(): BrowserWindow {
    const saved = settings.window();
    const created = new BrowserWindow({
      ...initialBounds(
        saved,
        screen.getAllDisplays().map((display) => display.workArea),
      ),
      minWidth: 360,
      minHeight: 480,
      show: false,
      title: 'AnoChat',
      icon,
      webPreferences: secureWebPreferences(options.preloadPath),
    });
    const contentsId = created.webContents.id;
    appContents.add(contentsId);
    if (saved?.maximized) created.maximize();
    rememberWindowState(created, settings.setWindow);
    created.once('ready-to-show', () => created.show());
    created.on('closed', () => {
      appContents.delete(contentsId);
      if (window === created) window = null;
    });
    void created.loadURL(`${APP_ORIGIN}/`);
    return created;
  }

  window = createWindow();
  app.on('activate', () => {
    if (window === null) window = createWindow();
    else showWindow();
  });

  return {
    window: () => window,
    badge,
    settings,
    vault,
  };
}
