/**
 * The desktop platform against a double of the preload's bridge (the bridge itself and the main
 * process behind it are tested under Node in platforms/electron/test; Electron's binary cannot
 * run on this machine). The double answers as the main process does, errors included.
 */
import type {
  DesktopBridge,
  DesktopStartup,
  PowerState,
} from '@anochat/schemas/platform/desktop-bridge';
import { describe, expect, it } from 'vitest';
import { createElectronPlatform } from './electron-platform.dom.ts';

const CONVERSATION = '6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b';

function bridgeDouble(startup: Partial<DesktopStartup> = {}) {
  const secrets = new Map<string, string>();
  const calls: unknown[][] = [];
  const listeners = {
    opened: new Set<(id: string) => void>(),
    navigate: new Set<(route: string) => void>(),
    power: new Set<(state: PowerState) => void>(),
  };
  const subscribe =
    <T>(set: Set<(value: T) => void>) =>
    (listener: (value: T) => void) => {
      set.add(listener);
      return () => void set.delete(listener);
    };
  let server: string | null = startup.serverUrl ?? null;
  const bridge: DesktopBridge = {
    startup: async () => ({
      ok: { serverUrl: server, secretsProtected: true, initialRoute: null, ...startup },
    }),
    chooseServer: async (url) => {
      calls.push(['chooseServer', url]);
      server = url;
      return { ok: url };
    },
    getSecret: async (name) => ({ ok: secrets.get(name) ?? null }),
    setSecret: async (name, value) => {
      if (value.length > 10)
        return { error: { code: 'FAILED', message: 'anochat:set-secret failed' } };
      secrets.set(name, value);
      return { ok: null };
    },
    deleteSecret: async (name) => {
      secrets.delete(name);
      return { ok: null };
    },
    notify: async (notice) => {
      calls.push(['notify', notice]);
      return { ok: null };
    },
    setBadge: async (count) => {
      calls.push(['setBadge', count]);
      return { ok: null };
    },
    onNotificationOpened: subscribe(listeners.opened),
    onNavigate: subscribe(listeners.navigate),
    onPower: subscribe(listeners.power),
  };
  return { bridge, calls, secrets, listeners };
}

describe('the Electron platform', () => {
  it('starts with the server chosen in an earlier run, or none, and stores a new choice', async () => {
    const first = bridgeDouble();
    const platform = await createElectronPlatform(first.bridge);
    expect(platform.kind).toBe('electron');
    expect(platform.server.current()).toBeNull();
    await expect(platform.server.choose('file:///etc')).rejects.toMatchObject({
      code: 'INVALID_SERVER_URL',
    });
    await platform.server.choose('https://chat.example.org/x');
    expect(platform.server.current()).toBe('https://chat.example.org');
    expect(first.calls).toEqual([['chooseServer', 'https://chat.example.org']]);

    const later = await createElectronPlatform(
      bridgeDouble({ serverUrl: 'https://a.example' }).bridge,
    );
    expect(later.server.current()).toBe('https://a.example');
  });

  it('keeps secrets through the bridge, refusing bad names here and reporting refusals as errors', async () => {
    const double = bridgeDouble();
    const platform = await createElectronPlatform(double.bridge);
    expect(platform.secrets.protectedAtRest).toBe(true);
    await platform.secrets.set('device-secrets', 'sealed');
    expect(await platform.secrets.get('device-secrets')).toBe('sealed');
    await expect(platform.secrets.get('Device')).rejects.toMatchObject({
      code: 'INVALID_SECRET_NAME',
    });
    await expect(platform.secrets.set('device-secrets', 'far too long')).rejects.toMatchObject({
      code: 'SECRET_STORE_UNAVAILABLE',
    });
    await platform.secrets.delete('device-secrets');
    expect(double.secrets.size).toBe(0);
  });

  it('shows native notifications and the badge, and opens the conversation of a clicked one', async () => {
    const double = bridgeDouble();
    const platform = await createElectronPlatform(double.bridge);
    expect(platform.notifications.permission()).toBe('granted');
    platform.notifications.show({
      conversationId: CONVERSATION,
      title: 'Alice',
      body: 'New message',
    });
    platform.notifications.setBadge(3);
    expect(double.calls).toEqual([
      ['notify', { conversationId: CONVERSATION, title: 'Alice', body: 'New message' }],
      ['setBadge', 3],
    ]);
    const opened: string[] = [];
    platform.notifications.onOpened((id) => opened.push(id));
    for (const listener of double.listeners.opened) listener(CONVERSATION);
    expect(opened).toEqual([CONVERSATION]);
  });

  it('treats sleep as background and waking as a return to the foreground', async () => {
    const double = bridgeDouble();
    const platform = await createElectronPlatform(double.bridge);
    const states: string[] = [];
    platform.lifecycle.subscribe((state) => states.push(state));
    for (const listener of double.listeners.power) listener('suspend');
    expect(platform.lifecycle.state()).toBe('background');
    for (const listener of double.listeners.power) listener('resume');
    expect(states).toEqual(['background', 'active']);
  });

  it('opens the page of the link that started the app once, and only linkable pages after', async () => {
    const double = bridgeDouble({ initialRoute: '/settings' });
    const platform = await createElectronPlatform(double.bridge);
    expect(platform.links.takeInitialRoute()).toBe('/settings');
    expect(platform.links.takeInitialRoute()).toBeNull();
    const routes: string[] = [];
    platform.links.subscribe((route) => routes.push(route));
    for (const listener of double.listeners.navigate) {
      listener(`/chats/${CONVERSATION}`);
      listener('/login?next=https://evil.example');
    }
    expect(routes).toEqual([`/chats/${CONVERSATION}`]);
    expect(platform.backButton).toBeNull();
  });
});
