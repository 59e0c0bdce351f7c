/**
 * The Capacitor platform against doubles of its plugins: the plugins' native halves (Keychain,
 * Keystore, notifications, camera...) run only on a phone, and Android and iOS builds cannot run
 * on this machine. Each double records the calls the adapter makes and plays the events the
 * native side would send; the adapter's own logic runs as in the app.
 */
import { describe, expect, it } from 'vitest';
import {
  type CapacitorPlugins,
  createCapacitorPlatform,
  notificationId,
} from './capacitor-platform.dom.ts';
import { PlatformError } from './platform.ts';

const CONVERSATION = '6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b';

type Listener = (event: never) => void;

/** A plugin's event side: listeners as Capacitor keeps them, and `emit` for the native side. */
function events() {
  const listeners = new Map<string, Set<Listener>>();
  return {
    addListener(eventName: string, listener: Listener) {
      const set = listeners.get(eventName) ?? new Set();
      set.add(listener);
      listeners.set(eventName, set);
      return Promise.resolve({ remove: async () => void set.delete(listener) });
    },
    emit(eventName: string, event?: unknown) {
      for (const listener of listeners.get(eventName) ?? []) listener(event as never);
    },
    count: (eventName: string) => listeners.get(eventName)?.size ?? 0,
  };
}

function pluginDoubles(options: { os?: 'android' | 'ios'; launchUrl?: string } = {}) {
  const calls: string[] = [];
  const record = (name: string, value?: unknown) => {
    calls.push(value === undefined ? name : `${name} ${JSON.stringify(value)}`);
  };
  const preferences = new Map<string, string>();
  const keystore = new Map<string, string>();
  const app = events();
  const network = events();
  const notifications = events();
  const shareTarget = events();
  const state = {
    notificationPermission: 'prompt' as string,
    secureStorageFails: false,
    cameraCancels: false,
  };

  const plugins = {
    os: options.os ?? 'android',
    app: {
      addListener: app.addListener,
      getState: async () => ({ isActive: true }),
      getLaunchUrl: async () =>
        options.launchUrl === undefined ? undefined : { url: options.launchUrl },
      minimizeApp: async () => record('minimizeApp'),
    },
    network: {
      addListener: network.addListener,
      getStatus: async () => ({ connected: true, connectionType: 'wifi' }),
    },
    preferences: {
      get: async ({ key }: { key: string }) => ({ value: preferences.get(key) ?? null }),
      set: async ({ key, value }: { key: string; value: string }) =>
        void preferences.set(key, value),
    },
    secureStorage: {
      setKeyPrefix: async (prefix: string) => record('setKeyPrefix', prefix),
      setSynchronize: async (sync: boolean) => record('setSynchronize', sync),
      setDefaultKeychainAccess: async (access: number) =>
        record('setDefaultKeychainAccess', access),
      getItem: async (key: string) => {
        if (state.secureStorageFails) throw new Error('keystore locked');
        return keystore.get(key) ?? null;
      },
      setItem: async (key: string, value: string) => void keystore.set(key, value),
      removeItem: async (key: string) => void keystore.delete(key),
    },
    keychainAccess: 1,
    localNotifications: {
      checkPermissions: async () => ({ display: state.notificationPermission }),
      requestPermissions: async () => {
        state.notificationPermission = 'granted';
        return { display: 'granted' };
      },
      schedule: async (scheduled: unknown) => {
        record('schedule', scheduled);
        return { notifications: [] };
      },
      addListener: notifications.addListener,
    },
    badge: {
      set: async (badge: { count: number }) => record('badge.set', badge.count),
      clear: async () => record('badge.clear'),
    },
    systemBars: { setStyle: async (style: unknown) => record('setStyle', style) },
    barStyles: { dark: 'DARK', light: 'LIGHT' },
    camera: {
      takePhoto: async () => {
        if (state.cameraCancels) throw new Error('User cancelled photos app');
        return { webPath: 'file:///photo.jpg', saved: false, type: 'image' };
      },
    },
    filePicker: {
      pickFiles: async (picked: unknown) => {
        record('pickFiles', picked);
        return {
          files: [
            { name: 'notes.pdf', mimeType: 'application/pdf', size: 5, path: '/storage/notes.pdf' },
          ],
        };
      },
    },
    filesystem: {
      writeFile: async (written: { path: string; data: string; directory: string }) => {
        record('writeFile', written);
        return { uri: `file:///cache/${written.path}` };
      },
    },
    cacheDirectory: 'CACHE',
    share: { share: async (shared: unknown) => record('share', shared) },
    shareTarget: { addListener: shareTarget.addListener },
    fileUrl: (path: string) => `https://localhost/_capacitor_file_${path}`,
    fetchBlob: async (url: string) => new Blob([`bytes of ${url}`], { type: '' }),
  };
  return {
    plugins: plugins as unknown as CapacitorPlugins,
    calls,
    preferences,
    keystore,
    state,
    emit: {
      app: app.emit,
      network: network.emit,
      notifications: notifications.emit,
      shareTarget: shareTarget.emit,
    },
    listeners: { app: app.count },
  };
}

describe('the Capacitor platform', () => {
  it('lets the person choose the server, keeps it in Preferences, and refuses what is not one', async () => {
    const doubles = pluginDoubles();
    const platform = await createCapacitorPlatform(doubles.plugins);
    expect(platform.kind).toBe('capacitor');
    expect(platform.server.current()).toBeNull();
    expect(platform.server.choosable).toBe(true);

    await expect(platform.server.choose('javascript:alert(1)')).rejects.toMatchObject({
      code: 'INVALID_SERVER_URL',
    });
    expect(doubles.preferences.size).toBe(0);

    await platform.server.choose('https://chat.example.org/app');
    expect(platform.server.current()).toBe('https://chat.example.org');
    const restarted = await createCapacitorPlatform(doubles.plugins);
    expect(restarted.server.current()).toBe('https://chat.example.org');
  });

  it('keeps secrets in the Keychain of this device only (never iCloud), under its own prefix', async () => {
    const doubles = pluginDoubles({ os: 'ios' });
    const platform = await createCapacitorPlatform(doubles.plugins);
    await platform.secrets.set('device-secrets', 'sealed');
    expect(await platform.secrets.get('device-secrets')).toBe('sealed');
    await platform.secrets.delete('device-secrets');
    expect(await platform.secrets.get('device-secrets')).toBeNull();
    expect(platform.secrets.protectedAtRest).toBe(true);
    expect(doubles.calls.slice(0, 3)).toEqual([
      'setKeyPrefix "anochat_"',
      'setSynchronize false',
      'setDefaultKeychainAccess 1',
    ]);

    const android = pluginDoubles({ os: 'android' });
    await (await createCapacitorPlatform(android.plugins)).secrets.get('device-secrets');
    expect(android.calls).toEqual(['setKeyPrefix "anochat_"']);
  });

  it('refuses bad secret names before the store, and reports a failing store with a code', async () => {
    const doubles = pluginDoubles();
    const platform = await createCapacitorPlatform(doubles.plugins);
    await expect(platform.secrets.set('../keys', 'x')).rejects.toMatchObject({
      code: 'INVALID_SECRET_NAME',
    });
    expect(doubles.keystore.size).toBe(0);
    doubles.state.secureStorageFails = true;
    const failure = await platform.secrets.get('device-secrets').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PlatformError);
    expect(failure).toMatchObject({ code: 'SECRET_STORE_UNAVAILABLE' });
  });

  it('follows pause and resume, and the network going and coming back', async () => {
    const doubles = pluginDoubles();
    const platform = await createCapacitorPlatform(doubles.plugins);
    const states: string[] = [];
    const stop = platform.lifecycle.subscribe((state) => states.push(state));
    doubles.emit.app('pause');
    expect(platform.lifecycle.state()).toBe('background');
    doubles.emit.app('resume');
    doubles.emit.app('resume');
    stop();
    await Promise.resolve();
    doubles.emit.app('pause');
    expect(states).toEqual(['background', 'active']);

    const online: boolean[] = [];
    platform.network.subscribe((connected) => online.push(connected));
    doubles.emit.network('networkStatusChange', { connected: false, connectionType: 'none' });
    expect(platform.network.online()).toBe(false);
    doubles.emit.network('networkStatusChange', { connected: true, connectionType: 'cellular' });
    doubles.emit.network('networkStatusChange', { connected: true, connectionType: 'wifi' });
    expect(online).toEqual([false, true]);
  });

  it('notifies only with permission, one notification per conversation, and opens it when tapped', async () => {
    const doubles = pluginDoubles();
    const platform = await createCapacitorPlatform(doubles.plugins);
    const notice = { conversationId: CONVERSATION, title: 'Alice', body: 'New message' };
    platform.notifications.show(notice);
    expect(doubles.calls.filter((call) => call.startsWith('schedule'))).toEqual([]);

    expect(platform.notifications.permission()).toBe('default');
    expect(await platform.notifications.requestPermission()).toBe('granted');
    platform.notifications.show(notice);
    platform.notifications.show({ ...notice, body: 'New messages' });
    await Promise.resolve();
    const scheduled = doubles.calls
      .filter((call) => call.startsWith('schedule'))
      .map((call) => JSON.parse(call.slice('schedule '.length)).notifications[0]);
    expect(scheduled).toHaveLength(2);
    expect(scheduled[0]).toMatchObject({
      id: notificationId(CONVERSATION),
      title: 'Alice',
      body: 'New message',
      extra: { conversationId: CONVERSATION },
    });
    expect(scheduled[1].id).toBe(scheduled[0].id);
    expect(notificationId('another-conversation')).not.toBe(scheduled[0].id);

    const opened: string[] = [];
    platform.notifications.onOpened((conversationId) => opened.push(conversationId));
    doubles.emit.notifications('localNotificationActionPerformed', {
      actionId: 'tap',
      notification: { id: 1, title: 'Alice', body: 'x', extra: { conversationId: CONVERSATION } },
    });
    expect(opened).toEqual([CONVERSATION]);

    platform.notifications.setBadge(4);
    platform.notifications.setBadge(0);
    expect(doubles.calls.slice(-2)).toEqual(['badge.set 4', 'badge.clear']);
  });

  it('hands the back button to the app, and leaves to the background when asked', async () => {
    const doubles = pluginDoubles();
    const platform = await createCapacitorPlatform(doubles.plugins);
    let presses = 0;
    const stop = platform.backButton?.subscribe(() => presses++);
    doubles.emit.app('backButton', { canGoBack: false });
    expect(presses).toBe(1);
    platform.backButton?.leave();
    expect(doubles.calls).toContain('minimizeApp');
    stop?.();
    await Promise.resolve();
    expect(doubles.listeners.app('backButton')).toBe(0);
  });

  it('opens the page of the anochat:// link it was launched with (once) and of links that arrive', async () => {
    const doubles = pluginDoubles({ launchUrl: `anochat://chats/${CONVERSATION}` });
    const platform = await createCapacitorPlatform(doubles.plugins);
    expect(platform.links.takeInitialRoute()).toBe(`/chats/${CONVERSATION}`);
    expect(platform.links.takeInitialRoute()).toBeNull();
    const routes: string[] = [];
    platform.links.subscribe((route) => routes.push(route));
    doubles.emit.app('appUrlOpen', { url: 'anochat://settings' });
    doubles.emit.app('appUrlOpen', { url: 'https://evil.example/chats' });
    doubles.emit.app('appUrlOpen', { url: 'anochat://chats/../../data' });
    expect(routes).toEqual(['/settings']);
  });

  it('receives pictures and files shared from other apps, with their bytes', async () => {
    const doubles = pluginDoubles();
    const platform = await createCapacitorPlatform(doubles.plugins);
    const shared = new Promise<unknown>((resolve) => platform.shareTarget?.subscribe(resolve));
    doubles.emit.shareTarget('shareReceived', {
      title: '',
      texts: ['look at this'],
      files: [{ uri: 'content://media/12', name: 'cat.png', mimeType: 'image/png' }],
    });
    const received = (await shared) as {
      texts: string[];
      files: { name: string; type: string; blob: Blob }[];
    };
    expect(received.texts).toEqual(['look at this']);
    expect(received.files.map((file) => [file.name, file.type])).toEqual([
      ['cat.png', 'image/png'],
    ]);
    expect(await received.files[0]?.blob.text()).toBe(
      'bytes of https://localhost/_capacitor_file_content://media/12',
    );
  });

  it('takes a photo or picks files for an attachment, and hands a saved file to the share sheet', async () => {
    const doubles = pluginDoubles();
    const platform = await createCapacitorPlatform(doubles.plugins);
    const [photo] = await platform.files.pick({ source: 'camera' });
    expect(photo?.type).toBe('image/jpeg');
    expect(await photo?.blob.text()).toContain('file:///photo.jpg');
    doubles.state.cameraCancels = true;
    expect(await platform.files.pick({ source: 'camera' })).toEqual([]);

    const files = await platform.files.pick({ accept: 'application/pdf, image/*', multiple: true });
    expect(files.map((file) => [file.name, file.type, file.size])).toEqual([
      ['notes.pdf', 'application/pdf', 5],
    ]);
    expect(doubles.calls).toContain('pickFiles {"types":["application/pdf","image/*"],"limit":0}');

    await platform.files.save('report/2026.txt', new Blob(['hello']));
    expect(doubles.calls.slice(-2)).toEqual([
      `writeFile ${JSON.stringify({ path: 'report_2026.txt', data: btoa('hello'), directory: 'CACHE' })}`,
      `share ${JSON.stringify({ files: ['file:///cache/report_2026.txt'], dialogTitle: 'report/2026.txt' })}`,
    ]);
  });

  it('matches the status and navigation bars to the theme', async () => {
    const doubles = pluginDoubles();
    const platform = await createCapacitorPlatform(doubles.plugins);
    platform.systemBars.match('dark');
    platform.systemBars.match('light');
    expect(doubles.calls.slice(-2)).toEqual([
      'setStyle {"style":"DARK"}',
      'setStyle {"style":"LIGHT"}',
    ]);
  });
});
