/**
 * The desktop app's main process, run under Node. Electron's binary cannot be downloaded on this
 * machine, so `electron` is a test double here (support/electron-double.ts, loaded by
 * `--import ./test/support/use-electron-double.ts`): the double records what the main process
 * asked of Electron and plays what Electron would send it. Everything else is real: the scheme
 * handler reads real files, the vault and settings are real files in a temporary profile.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import {
  app,
  BrowserWindow,
  FakeWebContents,
  FakeWebFrame,
  ipcMain,
  Menu,
  Notification,
  powerMonitor,
  protocol,
  resetElectronDouble,
  safeStorage,
  session,
  shell,
  Tray,
} from './support/electron-double.ts';

const { startDesktop } = await import('../src/desktop.main.ts');

const CONVERSATION = '6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b';

function webBuild(): string {
  const parent = mkdtempSync(join(tmpdir(), 'anochat-web-'));
  const root = join(parent, 'web');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>AnoChat</title>');
  writeFileSync(join(root, 'assets', 'index-abc.js'), 'console.log("app")');
  writeFileSync(join(root, 'assets', 'anochat-nacl-abc.wasm'), Buffer.from([0, 97, 115, 109]));
  writeFileSync(join(parent, 'outside.txt'), 'NOT PART OF THE APP');
  symlinkSync(join(parent, 'outside.txt'), join(root, 'assets', 'link.txt'));
  return root;
}

async function start(options: { argv?: string[]; platform?: NodeJS.Platform } = {}) {
  const log: string[] = [];
  const desktop = await startDesktop({
    webRoot: webBuild(),
    preloadPath: '/app/build/preload.cjs',
    argv: options.argv ?? ['electron', '.'],
    log: (message) => log.push(message),
    ...(options.platform === undefined ? {} : { platform: options.platform }),
  });
  assert.ok(desktop, 'the desktop app started');
  const window = BrowserWindow.instances.at(-1);
  assert.ok(window, 'a window was created');
  return { desktop, window, contents: window.webContents, log };
}

function serve(url: string, init?: RequestInit): Promise<Response> {
  const handler = protocol.handlers.get('app');
  assert.ok(handler, 'the app scheme has a handler');
  return handler(new Request(url, init));
}

function fromApp(contents: FakeWebContents) {
  return { sender: contents };
}

async function chooseServer(contents: FakeWebContents, url: string) {
  return ipcMain.invoke('anochat:choose-server', fromApp(contents), url);
}

beforeEach(() => resetElectronDouble());

describe('the desktop window', () => {
  it('is created with context isolation, the sandbox, no Node and the preload as its only bridge', async () => {
    const { window, contents } = await start();
    const preferences = window.options.webPreferences as Record<string, unknown>;
    assert.deepEqual(
      {
        contextIsolation: preferences.contextIsolation,
        sandbox: preferences.sandbox,
        nodeIntegration: preferences.nodeIntegration,
        nodeIntegrationInWorker: preferences.nodeIntegrationInWorker,
        nodeIntegrationInSubFrames: preferences.nodeIntegrationInSubFrames,
        webSecurity: preferences.webSecurity,
        allowRunningInsecureContent: preferences.allowRunningInsecureContent,
        experimentalFeatures: preferences.experimentalFeatures,
        webviewTag: preferences.webviewTag,
        preload: preferences.preload,
      },
      {
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        experimentalFeatures: false,
        webviewTag: false,
        preload: '/app/build/preload.cjs',
      },
    );
    assert.equal(
      Object.keys(preferences).some((key) => /blink|enableRemote/i.test(key)),
      false,
    );
    assert.equal(app.sandboxEnabled, true, 'every renderer is sandboxed');
    assert.equal(contents.getURL(), 'app://anochat/');
  });

  it('loads the web build from its own privileged scheme, not file:// and not a remote URL', async () => {
    await start();
    assert.deepEqual(protocol.privileged, [
      {
        scheme: 'app',
        privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
      },
    ]);
    const page = await serve('app://anochat/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await page.text(), /<title>AnoChat<\/title>/);

    const deepPage = await serve('app://anochat/chats/6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b');
    assert.match(await deepPage.text(), /<title>AnoChat<\/title>/, 'routes open the app page');

    const wasm = await serve('app://anochat/assets/anochat-nacl-abc.wasm');
    assert.equal(wasm.headers.get('content-type'), 'application/wasm');
    assert.equal(wasm.headers.get('x-content-type-options'), 'nosniff');
    assert.equal((await serve('app://anochat/assets/missing.js')).status, 404);
  });

  it('puts a strict Content-Security-Policy on every answer, naming the chosen server only', async () => {
    const { contents } = await start();
    const before = (await serve('app://anochat/')).headers.get('content-security-policy') ?? '';
    assert.match(before, /default-src 'none'/);
    // WebAssembly may compile; nothing else is evaluated, and no inline script runs.
    assert.match(before, /script-src 'self' 'wasm-unsafe-eval'(;|$)/);
    assert.doesNotMatch(before, /'unsafe-eval'/);
    assert.match(before, /connect-src 'self'(;|$)/);
    assert.match(before, /object-src 'none'/);
    assert.match(before, /frame-ancestors 'none'/);
    assert.match(before, /base-uri 'none'/);
    assert.doesNotMatch(before, /script-src[^;]*'unsafe-inline'/);

    assert.deepEqual(await chooseServer(contents, 'https://chat.example.org/any/path'), {
      ok: 'https://chat.example.org',
    });
    for (const url of ['app://anochat/', 'app://anochat/assets/missing.js', 'app://evil/']) {
      const policy = (await serve(url)).headers.get('content-security-policy') ?? '';
      assert.match(
        policy,
        /connect-src 'self' https:\/\/chat\.example\.org wss:\/\/chat\.example\.org(;|$)/,
      );
      assert.match(policy, /default-src 'none'/);
    }
  });

  it('never serves a file outside the web build, another host, or anything but GET', async () => {
    await start();
    for (const url of [
      'app://anochat/..%2f..%2foutside.txt',
      'app://anochat/%2e%2e/outside.txt',
      'app://anochat/assets/link.txt',
      'app://anochat/assets/%00.js',
    ]) {
      const answer = await serve(url);
      assert.notEqual(answer.status, 200, url);
      assert.doesNotMatch(await answer.text(), /NOT PART OF THE APP/, url);
    }
    assert.equal((await serve('app://evil/')).status, 404);
    assert.equal((await serve('app://anochat/', { method: 'POST', body: 'x' })).status, 405);
  });
});

describe('navigation and new windows', () => {
  it('stay inside the app; only links to the chosen server go out, to the system browser', async () => {
    const { contents, log } = await start();
    assert.equal(contents.attempt('will-navigate', 'app://anochat/login'), false);
    assert.equal(contents.attempt('will-navigate', 'https://chat.example.org/'), true);
    assert.deepEqual(shell.opened, [], 'no server chosen yet: nothing is opened');

    await chooseServer(contents, 'https://chat.example.org');
    assert.equal(contents.attempt('will-navigate', 'https://chat.example.org/terms'), true);
    assert.equal(contents.attempt('will-navigate', 'https://evil.example/'), true);
    assert.equal(contents.attempt('will-navigate', 'file:///etc/passwd'), true);
    assert.equal(contents.attempt('will-redirect', 'https://evil.example/'), true);
    assert.equal(contents.attempt('will-frame-navigate', 'https://evil.example/', false), true);
    assert.equal(contents.attemptWebview(), true);

    const open = contents.windowOpenHandler;
    assert.ok(open);
    assert.deepEqual(open({ url: 'https://chat.example.org/help' }), { action: 'deny' });
    assert.deepEqual(open({ url: 'https://evil.example/' }), { action: 'deny' });
    assert.deepEqual(open({ url: 'app://anochat/chats' }), { action: 'deny' });

    assert.deepEqual(shell.opened, [
      'https://chat.example.org/terms',
      'https://chat.example.org/help',
    ]);
    assert.ok(log.some((line) => line.includes('refused navigation to https://evil.example/')));
    assert.ok(log.some((line) => line.includes('refused window.open to https://evil.example/')));
  });

  it('are guarded in every web contents Electron creates, not just the main window', async () => {
    await start();
    const other = new FakeWebContents();
    app.emit('web-contents-created', {}, other);
    assert.equal(other.attempt('will-navigate', 'https://evil.example/'), true);
    assert.deepEqual(other.windowOpenHandler?.({ url: 'https://evil.example/' }), {
      action: 'deny',
    });
  });
});

describe('permissions', () => {
  it('are denied by default, requested or checked; the app may write the clipboard and reach its server', async () => {
    const { contents } = await start();
    const { permissionRequestHandler, permissionCheckHandler, devicePermissionHandler } =
      session.defaultSession;
    assert.ok(permissionRequestHandler && permissionCheckHandler && devicePermissionHandler);

    const decide = (permission: string, requestingUrl: string) =>
      new Promise<boolean>((resolve) =>
        permissionRequestHandler(contents, permission, resolve, {
          requestingUrl,
          isMainFrame: true,
        }),
      );
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'midi',
      'openExternal',
      'display-capture',
      'hid',
    ]) {
      assert.equal(await decide(permission, 'app://anochat/chats'), false, permission);
      assert.equal(permissionCheckHandler(contents, permission, 'app://anochat', {}), false);
    }
    assert.equal(await decide('clipboard-sanitized-write', 'app://anochat/settings'), true);
    // The chosen server may be on this machine or the local network (the CSP names it).
    assert.equal(await decide('local-network-access', 'app://anochat/login'), true);
    assert.equal(await decide('local-network-access', 'https://evil.example/'), false);
    assert.equal(await decide('clipboard-sanitized-write', 'https://evil.example/'), false);
    assert.equal(
      permissionCheckHandler(null, 'clipboard-sanitized-write', 'https://evil.example', {}),
      false,
    );
    assert.equal(devicePermissionHandler({ deviceType: 'usb' }), false);
  });
});

describe('the bridge’s IPC handlers', () => {
  it('refuse a call from a frame inside the page, a foreign page or contents the app did not make', async () => {
    const { contents } = await start();
    const refused = {
      error: { code: 'FORBIDDEN_SENDER', message: 'this frame may not use the desktop bridge' },
    };

    const iframe = new FakeWebFrame('app://anochat/');
    assert.deepEqual(
      await ipcMain.invoke(
        'anochat:set-secret',
        { sender: contents, frame: iframe },
        'device-keys',
        'x',
      ),
      refused,
    );
    assert.deepEqual(
      await ipcMain.invoke('anochat:get-secret', { sender: contents, frame: null }, 'device-keys'),
      refused,
    );
    const stranger = new FakeWebContents('app://anochat/');
    assert.deepEqual(await ipcMain.invoke('anochat:startup', { sender: stranger }), refused);

    await contents.loadURL('https://evil.example/');
    assert.deepEqual(
      await ipcMain.invoke('anochat:get-secret', fromApp(contents), 'device-keys'),
      refused,
    );
    assert.deepEqual(await chooseServer(contents, 'https://evil.example'), refused);

    await contents.loadURL('app://anochat/chats');
    assert.deepEqual(await ipcMain.invoke('anochat:get-secret', fromApp(contents), 'device-keys'), {
      ok: null,
    });
    assert.deepEqual(
      (await ipcMain.invoke('anochat:startup', fromApp(contents))) as object,
      { ok: { serverUrl: null, secretsProtected: true, initialRoute: null } },
      'the refused choice of server was not stored',
    );
  });

  it('refuse invalid arguments before doing anything', async () => {
    const { contents } = await start();
    const invalid = async (channel: string, ...args: unknown[]) => {
      const answer = (await ipcMain.invoke(channel, fromApp(contents), ...args)) as {
        error?: { code: string };
      };
      assert.equal(answer.error?.code, 'INVALID_ARGUMENTS', `${channel} ${JSON.stringify(args)}`);
    };
    await invalid('anochat:startup', 'extra');
    await invalid('anochat:choose-server', 42);
    await invalid('anochat:choose-server', 'x'.repeat(3000));
    await invalid('anochat:get-secret', '../device-keys');
    await invalid('anochat:get-secret', 'Device');
    await invalid('anochat:get-secret');
    await invalid('anochat:set-secret', 'device-keys', 42);
    await invalid('anochat:set-secret', 'device-keys', 'x'.repeat(64 * 1024 + 1));
    await invalid('anochat:set-secret', 'device-keys', 'value', 'extra');
    await invalid('anochat:delete-secret', { toString: () => 'device-keys' });
    await invalid('anochat:notify', {
      conversationId: 'not-a-uuid',
      title: 'Alice',
      body: 'New message',
    });
    await invalid('anochat:notify', {
      conversationId: CONVERSATION,
      title: '',
      body: 'New message',
    });
    await invalid('anochat:notify', {
      conversationId: CONVERSATION,
      title: 'Alice',
      body: 'New message',
      icon: 'file:///etc/passwd',
    });
    await invalid('anochat:set-badge', -1);
    await invalid('anochat:set-badge', 1.5);
    await invalid('anochat:set-badge', '3');

    assert.deepEqual(await chooseServer(contents, 'ftp://files.example'), {
      error: {
        code: 'INVALID_SERVER_URL',
        message: 'the address must start with https:// or http://',
      },
    });
    assert.equal(Notification.instances.length, 0);
    assert.deepEqual(app.badgeCounts, []);
    assert.throws(() => readFileSync(join(app.userData, 'secrets.json')), { code: 'ENOENT' });
  });
});

describe('device secrets', () => {
  it('are kept with safeStorage: the profile holds only ciphertext, and they survive a restart', async () => {
    const { contents } = await start();
    const secret = '{"signSecretKey":"c2VjcmV0LXNpZ25pbmcta2V5"}';
    assert.deepEqual(
      await ipcMain.invoke('anochat:set-secret', fromApp(contents), 'device-secrets', secret),
      { ok: null },
    );
    const onDisk = readFileSync(join(app.userData, 'secrets.json'), 'utf8');
    assert.doesNotMatch(onDisk, /signSecretKey|c2VjcmV0/);

    resetElectronDouble(app.userData);
    const restarted = await start();
    assert.deepEqual(
      await ipcMain.invoke('anochat:get-secret', fromApp(restarted.contents), 'device-secrets'),
      { ok: secret },
    );
    await ipcMain.invoke('anochat:delete-secret', fromApp(restarted.contents), 'device-secrets');
    assert.deepEqual(
      await ipcMain.invoke('anochat:get-secret', fromApp(restarted.contents), 'device-secrets'),
      { ok: null },
    );
  });

  it('are reported as unprotected when Linux has no keyring, and refused when there is no store', async () => {
    const { contents } = await start({ platform: 'linux' });
    safeStorage.backend = 'basic_text';
    assert.deepEqual(await ipcMain.invoke('anochat:startup', fromApp(contents)), {
      ok: { serverUrl: null, secretsProtected: false, initialRoute: null },
    });
    safeStorage.available = false;
    const answer = (await ipcMain.invoke(
      'anochat:set-secret',
      fromApp(contents),
      'device-secrets',
      'v',
    )) as {
      error?: { code: string };
    };
    assert.equal(answer.error?.code, 'FAILED');
  });
});

describe('notifications and the unread badge', () => {
  it('show the sender and a generic line, one per conversation; clicking opens the conversation', async () => {
    const { window, contents } = await start();
    const notice = { conversationId: CONVERSATION, title: 'Alice', body: 'New message' };
    await ipcMain.invoke('anochat:notify', fromApp(contents), notice);
    await ipcMain.invoke('anochat:notify', fromApp(contents), notice);
    assert.equal(Notification.instances.length, 2);
    const [first, second] = Notification.instances;
    assert.deepEqual(second?.options, { title: 'Alice', body: 'New message' });
    assert.equal(first?.closed, true, 'the newer notification replaces the older one');
    assert.equal(second?.shown, true);

    window.minimized = true;
    second?.emit('click');
    assert.equal(window.minimized, false);
    assert.equal(window.focused, true);
    assert.deepEqual(contents.sent.at(-1), {
      channel: 'anochat:notification-opened',
      args: [CONVERSATION],
    });
  });

  it('shows the count on the dock or launcher and the tray, and as an overlay on Windows', async () => {
    const linux = await start({ platform: 'linux' });
    await ipcMain.invoke('anochat:set-badge', fromApp(linux.contents), 3);
    await ipcMain.invoke('anochat:set-badge', fromApp(linux.contents), 0);
    assert.deepEqual(app.badgeCounts, [3, 0]);
    assert.equal(Tray.instances[0]?.tooltip, 'AnoChat');

    resetElectronDouble();
    const windows = await start({ platform: 'win32' });
    await ipcMain.invoke('anochat:set-badge', fromApp(windows.contents), 7);
    assert.equal(windows.window.overlayIcons.at(-1)?.description, 'AnoChat: 7 unread');
    assert.ok(windows.window.overlayIcons.at(-1)?.icon !== null);
    assert.equal(Tray.instances[0]?.tooltip, 'AnoChat: 7 unread');
    await ipcMain.invoke('anochat:set-badge', fromApp(windows.contents), 0);
    assert.equal(windows.window.overlayIcons.at(-1)?.icon, null);
  });
});

describe('one instance, anochat:// links and the window', () => {
  it('quits when another instance holds the lock, without opening a window', async () => {
    app.singleInstanceLockAvailable = false;
    const desktop = await startDesktop({ webRoot: webBuild(), preloadPath: '/p.cjs', argv: [] });
    assert.equal(desktop, null);
    assert.equal(app.quitCalled, true);
    assert.equal(BrowserWindow.instances.length, 0);
  });

  it('opens the page of a link it was started with, or one a second instance hands over', async () => {
    const { window, contents } = await start({
      argv: ['anochat', `anochat://chats/${CONVERSATION}`],
    });
    assert.deepEqual(await ipcMain.invoke('anochat:startup', fromApp(contents)), {
      ok: { serverUrl: null, secretsProtected: true, initialRoute: `/chats/${CONVERSATION}` },
    });

    window.minimized = true;
    app.emit('second-instance', {}, ['anochat', 'anochat://settings'], '/');
    assert.equal(window.minimized, false);
    assert.deepEqual(contents.sent.at(-1), { channel: 'anochat:navigate', args: ['/settings'] });

    app.emit('second-instance', {}, ['anochat', 'anochat://chats/../../etc'], '/');
    app.emit('open-url', { preventDefault() {} }, 'anochat://evil/path');
    assert.deepEqual(contents.sent.at(-1), { channel: 'anochat:navigate', args: ['/settings'] });

    app.emit('open-url', { preventDefault() {} }, 'anochat://new/direct');
    assert.deepEqual(contents.sent.at(-1), { channel: 'anochat:navigate', args: ['/new/direct'] });
    assert.equal(app.protocolClients[0]?.scheme, 'anochat');
  });

  it('reopens where it was closed, unless that place is on no display now', async () => {
    const first = await start();
    first.window.bounds = { x: 300, y: 200, width: 900, height: 700 };
    first.window.maximized = true;
    first.window.emit('close');
    await new Promise((resolve) => setTimeout(resolve, 50));

    const profile = app.userData;
    resetElectronDouble(profile);
    const second = await start();
    assert.deepEqual(
      [
        second.window.options.x,
        second.window.options.y,
        second.window.options.width,
        second.window.options.height,
      ],
      [300, 200, 900, 700],
    );
    assert.equal(second.window.maximized, true);

    resetElectronDouble(profile);
    const { screen } = await import('./support/electron-double.ts');
    screen.workAreas = [{ x: 2000, y: 0, width: 800, height: 600 }];
    const third = await start();
    assert.equal(third.window.options.x, undefined, 'the system places it');
    assert.equal(third.window.options.width, 900);
  });

  it('has a menu with the usual roles and shortcuts, and developer tools only when developing', async () => {
    await start();
    const template = JSON.stringify(Menu.applicationMenu?.template);
    for (const role of ['editMenu', 'windowMenu', 'togglefullscreen', 'zoomIn', 'quit']) {
      assert.match(template, new RegExp(`"role":"${role}"`));
    }
    assert.match(template, /"accelerator":"CmdOrCtrl\+,"/);
    assert.match(template, /"accelerator":"CmdOrCtrl\+N"/);
    assert.match(template, /toggleDevTools/);

    resetElectronDouble();
    app.isPackaged = true;
    await start();
    assert.doesNotMatch(JSON.stringify(Menu.applicationMenu?.template), /toggleDevTools|"reload"/);
  });

  it('tells the page when the computer sleeps and wakes', async () => {
    const { contents } = await start();
    powerMonitor.emit('suspend');
    powerMonitor.emit('resume');
    assert.deepEqual(
      contents.sent.map((message) => [message.channel, ...message.args]),
      [
        ['anochat:power', 'suspend'],
        ['anochat:power', 'resume'],
      ],
    );
  });
});
