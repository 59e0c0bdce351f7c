import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { PlatformError, serverOrigin } from './platform.ts';
import {
  createIndexedDbSecretStore,
  createWebPlatform,
  titleWithUnread,
} from './web-platform.dom.ts';

describe('the web platform', () => {
  it('talks to the server that served the app, which the person cannot change', async () => {
    const platform = createWebPlatform();
    expect(platform.kind).toBe('web');
    expect(platform.server.current()).toBe(globalThis.location.origin);
    expect(platform.server.choosable).toBe(false);
    await expect(platform.server.choose('https://elsewhere.example')).rejects.toThrow(
      PlatformError,
    );
  });

  it('keeps secrets across store instances of the same browser profile, and deletes them', async () => {
    const indexedDb = new IDBFactory();
    const first = createIndexedDbSecretStore(indexedDb);
    await first.set('device-secrets', '{"k":"v"}');

    const afterReload = createIndexedDbSecretStore(indexedDb);
    expect(await afterReload.get('device-secrets')).toBe('{"k":"v"}');
    expect(await afterReload.get('something-else')).toBeNull();

    await afterReload.delete('device-secrets');
    expect(await first.get('device-secrets')).toBeNull();
    expect(afterReload.protectedAtRest).toBe(false);
  });

  it('refuses secret names that are not identifiers', async () => {
    const store = createIndexedDbSecretStore(new IDBFactory());
    for (const name of ['', '../keys', 'Device', 'a'.repeat(65), 'two words']) {
      await expect(store.set(name, 'x')).rejects.toMatchObject({ code: 'INVALID_SECRET_NAME' });
    }
  });

  it('reports the network going away and coming back', () => {
    const seen: boolean[] = [];
    const unsubscribe = createWebPlatform().network.subscribe((online) => seen.push(online));
    globalThis.dispatchEvent(new Event('offline'));
    globalThis.dispatchEvent(new Event('online'));
    unsubscribe();
    globalThis.dispatchEvent(new Event('offline'));
    expect(seen).toEqual([false, true]);
  });

  it('shows a notification only with permission, one per conversation, and reports its opening', () => {
    // The browser's notification centre is outside the page: a recording double stands in for it.
    const shown: {
      title: string;
      options: NotificationOptions;
      instance: { onclick?: () => void };
    }[] = [];
    class RecordingNotification {
      static permission: NotificationPermission = 'default';
      onclick?: () => void;
      constructor(title: string, options: NotificationOptions) {
        shown.push({ title, options, instance: this });
      }
      close(): void {}
    }
    const original = globalThis.Notification;
    Object.assign(globalThis, { Notification: RecordingNotification });
    try {
      const notifications = createWebPlatform().notifications;
      const notice = { conversationId: 'c1', title: 'Alice', body: 'New message' };
      notifications.show(notice);
      expect(shown).toHaveLength(0);

      RecordingNotification.permission = 'granted';
      const opened: string[] = [];
      notifications.onOpened((conversationId) => opened.push(conversationId));
      notifications.show(notice);
      expect(shown).toHaveLength(1);
      expect(shown[0]?.title).toBe('Alice');
      expect(shown[0]?.options).toEqual({ body: 'New message', tag: 'c1' });
      shown[0]?.instance.onclick?.();
      expect(opened).toEqual(['c1']);
    } finally {
      Object.assign(globalThis, { Notification: original });
    }
  });
});

describe('what the browser does itself', () => {
  it('leaves the back button, links and bars to the browser, and nothing can be shared in', () => {
    const platform = createWebPlatform();
    expect(platform.backButton).toBeNull();
    expect(platform.shareTarget).toBeNull();
    expect(platform.links.takeInitialRoute()).toBeNull();
  });

  it('asks for a photo with an image input that opens the camera, and cancelling picks nothing', async () => {
    const clicked: HTMLInputElement[] = [];
    const click = HTMLInputElement.prototype.click;
    HTMLInputElement.prototype.click = function (this: HTMLInputElement) {
      clicked.push(this);
    };
    try {
      const picking = createWebPlatform().files.pick({ source: 'camera' });
      const input = clicked[0];
      expect(input?.accept).toBe('image/*');
      expect(input?.getAttribute('capture')).toBe('environment');
      input?.dispatchEvent(new Event('cancel'));
      expect(await picking).toEqual([]);
    } finally {
      HTMLInputElement.prototype.click = click;
    }
  });
});

describe('a server address the person types', () => {
  it('becomes its origin', () => {
    expect(serverOrigin(' https://chat.example.org/some/path?q=1 ')).toBe(
      'https://chat.example.org',
    );
    expect(serverOrigin('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080');
  });

  it('is refused when it is not an http(s) address without credentials', () => {
    for (const input of [
      'chat.example.org',
      'ftp://x.example',
      'javascript:alert(1)',
      'https://u:p@x.example',
    ]) {
      expect(() => serverOrigin(input)).toThrow(PlatformError);
    }
  });

  it('shows the unread count in the tab title, and only the title when nothing is unread', () => {
    const platform = createWebPlatform();
    document.title = 'AnoChat';
    platform.notifications.setBadge(3);
    expect(document.title).toBe('(3) AnoChat');
    platform.notifications.setBadge(12);
    expect(document.title).toBe('(12) AnoChat');
    platform.notifications.setBadge(0);
    expect(document.title).toBe('AnoChat');
    expect(titleWithUnread('(2) AnoChat', 0)).toBe('AnoChat');
  });

  it('puts the count on the installed app’s badge where the Badging API exists, and clears it at 0', async () => {
    // The operating system's app badge is outside the page: recording functions stand in for it.
    const calls: string[] = [];
    const navigator = globalThis.navigator;
    const platform = createWebPlatform();
    platform.notifications.setBadge(2);
    Object.assign(navigator, {
      setAppBadge: async (count: number) => {
        calls.push(`set ${count}`);
      },
      clearAppBadge: async () => {
        calls.push('clear');
      },
    });
    try {
      platform.notifications.setBadge(4);
      platform.notifications.setBadge(0);
      expect(calls).toEqual(['set 4', 'clear']);
    } finally {
      Reflect.deleteProperty(navigator, 'setAppBadge');
      Reflect.deleteProperty(navigator, 'clearAppBadge');
    }
  });
});
