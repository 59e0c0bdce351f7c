import { isOpenConversation } from '../notifications/web-push.ts';
import {
  type AppLifecycle,
  type AppLinks,
  checkSecretName,
  type FileAccess,
  type LifecycleState,
  type NetworkStatus,
  type NotificationPermission,
  type Notifier,
  type PickedFile,
  type Platform,
  PlatformError,
  type SecretStore,
  type ServerChoice,
  type SystemBars,
  type WebPushSubscriber,
} from './platform.ts';

/** The web app is served by its sync server (npm start serves both on one port). */
function sameOriginServer(origin: string): ServerChoice {
  return {
    current: () => origin,
    choosable: false,
    async choose() {
      throw new PlatformError(
        'INVALID_SERVER_URL',
        'the web app always uses the server that served it',
      );
    },
  };
}

const SECRETS_DATABASE = 'anochat-secrets';
const SECRETS_STORE = 'secrets';

function request<T>(operation: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    operation.onsuccess = () => resolve(operation.result);
    operation.onerror = () => reject(operation.error);
  });
}

/**
 * The browser has no secret store of its own: secrets stay in an IndexedDB database of their own,
 * readable by this origin only, like the rest of the local data.
 */
export function createIndexedDbSecretStore(indexedDb: IDBFactory): SecretStore {
  let opened: Promise<IDBDatabase> | null = null;

  function database(): Promise<IDBDatabase> {
    opened ??= new Promise((resolve, reject) => {
      const opening = indexedDb.open(SECRETS_DATABASE, 1);
      opening.onupgradeneeded = () => opening.result.createObjectStore(SECRETS_STORE);
      opening.onsuccess = () => resolve(opening.result);
      opening.onerror = () => {
        opened = null;
        reject(new PlatformError('SECRET_STORE_UNAVAILABLE', String(opening.error)));
      };
    });
    return opened;
  }

  async function store(mode: IDBTransactionMode): Promise<IDBObjectStore> {
    return (await database()).transaction(SECRETS_STORE, mode).objectStore(SECRETS_STORE);
  }

  return {
    protectedAtRest: false,
    async get(name) {
      checkSecretName(name);
      const value: unknown = await request((await store('readonly')).get(name));
      return typeof value === 'string' ? value : null;
    },
    async set(name, value) {
      checkSecretName(name);
      await request((await store('readwrite')).put(value, name));
    },
    async delete(name) {
      checkSecretName(name);
      await request((await store('readwrite')).delete(name));
    },
  };
}

export function browserNetwork(): NetworkStatus {
  return {
    online: () => globalThis.navigator?.onLine ?? true,
    subscribe(listener) {
      const online = () => listener(true);
      const offline = () => listener(false);
      globalThis.addEventListener('online', online);
      globalThis.addEventListener('offline', offline);
      return () => {
        globalThis.removeEventListener('online', online);
        globalThis.removeEventListener('offline', offline);
      };
    },
  };
}

export function pageLifecycle(): AppLifecycle {
  const state = (): LifecycleState =>
    globalThis.document?.visibilityState === 'hidden' ? 'background' : 'active';
  return {
    state,
    subscribe(listener) {
      const changed = () => listener(state());
      globalThis.document?.addEventListener('visibilitychange', changed);
      return () => globalThis.document?.removeEventListener('visibilitychange', changed);
    },
  };
}

/** The tab's title with the unread count in front, as a background tab shows it: "(3) AnoChat". */
export function titleWithUnread(title: string, count: number): string {
  const bare = title.replace(/^\(\d+\) /, '');
  return count > 0 ? `(${count}) ${bare}` : bare;
}

function webNotifications(): Notifier {
  const openedListeners = new Set<(conversationId: string) => void>();
  const supported = () => typeof globalThis.Notification === 'function';
  // A notification the service worker showed (a push) was opened: it focused this window.
  globalThis.navigator?.serviceWorker?.addEventListener('message', (event) => {
    const message: unknown = event.data;
    if (!isOpenConversation(message) || message.conversationId === null) return;
    for (const listener of openedListeners) listener(message.conversationId);
  });
  return {
    permission: () =>
      supported() ? (globalThis.Notification.permission as NotificationPermission) : 'denied',
    async requestPermission() {
      if (!supported()) return 'denied';
      return (await globalThis.Notification.requestPermission()) as NotificationPermission;
    },
    show(notice) {
      if (!supported() || globalThis.Notification.permission !== 'granted') return;
      // One notification per conversation: a new message replaces the previous one.
      const shown = new globalThis.Notification(notice.title, {
        body: notice.body,
        tag: notice.conversationId,
      });
      shown.onclick = () => {
        globalThis.focus();
        for (const listener of openedListeners) listener(notice.conversationId);
        shown.close();
      };
    },
    setBadge(count) {
      document.title = titleWithUnread(document.title, count);
      const badging = globalThis.navigator as Navigator & {
        setAppBadge?: (count?: number) => Promise<void>;
        clearAppBadge?: () => Promise<void>;
      };
      const done = count > 0 ? badging.setAppBadge?.(count) : badging.clearAppBadge?.();
      // The Badging API exists only for installed PWAs; elsewhere there is nothing to update.
      done?.catch(() => undefined);
    },
    onOpened(listener) {
      openedListeners.add(listener);
      return () => openedListeners.delete(listener);
    },
  };
}

/** How long a subscription waits for the service worker to be active (it never is in `vite` dev). */
const SERVICE_WORKER_WAIT_MS = 10_000;

const sameBytes = (a: ArrayBuffer | null, b: Uint8Array) =>
  a !== null &&
  a.byteLength === b.byteLength &&
  new Uint8Array(a).every((byte, i) => byte === b[i]);

/** The service worker's push subscription, where the browser has a push service. */
export function browserWebPush(): WebPushSubscriber {
  async function registration(): Promise<ServiceWorkerRegistration | null> {
    const workers = globalThis.navigator?.serviceWorker;
    if (workers === undefined || typeof globalThis.PushManager !== 'function') return null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), SERVICE_WORKER_WAIT_MS);
    });
    return Promise.race([workers.ready, late]).finally(() => clearTimeout(timer));
  }
  return {
    async subscribe(vapidPublicKey) {
      if (globalThis.Notification?.permission !== 'granted') return null;
      const ready = await registration();
      if (ready === null) return null;
      const key = Uint8Array.from(
        atob(vapidPublicKey.replaceAll('-', '+').replaceAll('_', '/')),
        (char) => char.charCodeAt(0),
      );
      let subscription = await ready.pushManager.getSubscription();
      // Made for another server key (the server's keys changed): it would never be delivered.
      if (subscription !== null && !sameBytes(subscription.options.applicationServerKey, key)) {
        await subscription.unsubscribe();
        subscription = null;
      }
      subscription ??= await ready.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: key,
      });
      const { endpoint, keys } = subscription.toJSON();
      if (endpoint === undefined || keys?.p256dh === undefined || keys.auth === undefined) {
        return null;
      }
      return { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } };
    },
    async unsubscribe() {
      // The registration there is, without waiting for one (signing out must not wait).
      const current = await globalThis.navigator?.serviceWorker?.getRegistration();
      await (await current?.pushManager?.getSubscription())?.unsubscribe();
    },
  };
}

export function browserFiles(): FileAccess {
  return {
    pick(options) {
      return new Promise<PickedFile[]>((resolve) => {
        const input = document.createElement('input');
        input.type = 'file';
        input.multiple = options.multiple ?? false;
        if (options.accept !== undefined) input.accept = options.accept;
        if (options.source === 'camera') {
          // Phones open the camera for such an input; desktops show the file chooser.
          input.accept = 'image/*';
          input.setAttribute('capture', 'environment');
        }
        input.addEventListener('change', () =>
          resolve(
            Array.from(input.files ?? [], (file) => ({
              name: file.name,
              type: file.type,
              size: file.size,
              blob: file,
            })),
          ),
        );
        input.addEventListener('cancel', () => resolve([]));
        input.click();
      });
    },
    async save(name, blob) {
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = name;
      link.click();
      // The download has started from the object URL; give the browser a moment before revoking.
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    },
  };
}

/** Nothing outside the page can ask the web app for a page: the address bar does that. */
export const NO_LINKS: AppLinks = {
  takeInitialRoute: () => null,
  subscribe: () => () => undefined,
};

/** The browser colours its own bars from the page's theme-color. */
export const BROWSER_BARS: SystemBars = { match: () => undefined };

export function createWebPlatform(): Platform {
  return {
    kind: 'web',
    server: sameOriginServer(globalThis.location.origin),
    secrets: createIndexedDbSecretStore(globalThis.indexedDB),
    network: browserNetwork(),
    lifecycle: pageLifecycle(),
    notifications: webNotifications(),
    webPush: browserWebPush(),
    files: browserFiles(),
    links: NO_LINKS,
    backButton: null,
    shareTarget: null,
    systemBars: BROWSER_BARS,
  };
}
