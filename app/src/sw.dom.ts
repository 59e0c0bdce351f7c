/**
 * The web app's service worker (built by vite-plugin-pwa's injectManifest into `/sw.dom.js`). It runs
 * in the browser beside the pages, not in one: lib.dom lacks its global scope, so the little of it
 * used here is declared below.
 *
 * - The shell (page, scripts, styles, the WebAssembly module) is precached and every navigation
 *   answered with it; API calls and the sync socket are never cached (the data lives in RxDB).
 * - A push (docs/protocol.md, "Web Push") shows "New message", naming neither sender nor text:
 *   the push has none, and this worker does not open messages (see notifications/web-push.ts).
 *   While a window of the app is in front, the page notifies itself and the push shows nothing.
 * - Opening that notification focuses a window of the app at the conversation, or opens one.
 */
import {
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import {
  noticeForPush,
  OPEN_CONVERSATION,
  type OpenConversationMessage,
  pathOf,
} from './notifications/web-push.ts';

interface ExtendableEvent extends Event {
  waitUntil(work: Promise<unknown>): void;
}
interface PushEvent extends ExtendableEvent {
  readonly data: { json(): unknown } | null;
}
interface NotificationEvent extends ExtendableEvent {
  readonly notification: Notification;
}
interface WindowClient {
  readonly url: string;
  readonly focused: boolean;
  readonly visibilityState: DocumentVisibilityState;
  focus(): Promise<WindowClient>;
  postMessage(message: OpenConversationMessage): void;
}
interface WorkerScope {
  readonly registration: ServiceWorkerRegistration;
  readonly location: Location;
  readonly clients: {
    matchAll(options: { type: 'window'; includeUncontrolled: boolean }): Promise<WindowClient[]>;
    openWindow(url: string): Promise<WindowClient | null>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'push', listener: (event: PushEvent) => void): void;
  addEventListener(type: 'notificationclick', listener: (event: NotificationEvent) => void): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}
declare const self: WorkerScope & { __WB_MANIFEST: Parameters<typeof precacheAndRoute>[0] };

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('/index.html'), {
    denylist: [/^\/api\//, /^\/socket\.io\//],
  }),
);

// A new version waits until the person agrees (UpdatePrompt.vue asks, then sends this).
self.addEventListener('message', (event) => {
  if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

const windows = () => self.clients.matchAll({ type: 'window', includeUncontrolled: true });

self.addEventListener('push', (event) => {
  event.waitUntil(
    (async () => {
      if (
        (await windows()).some((client) => client.focused && client.visibilityState === 'visible')
      ) {
        return;
      }
      let data: unknown = null;
      try {
        data = event.data?.json() ?? null;
      } catch {
        // Not JSON: still a push, told as one.
      }
      const notice = noticeForPush(data);
      await self.registration.showNotification(notice.title, {
        ...notice.options,
        icon: '/icons/icon-192.png',
      });
    })(),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data: unknown = event.notification.data;
  const conversationId =
    typeof data === 'object' && data !== null
      ? (((data as { conversationId?: unknown }).conversationId as string | null | undefined) ??
        null)
      : null;
  event.waitUntil(
    (async () => {
      const [open] = await windows();
      if (open === undefined) {
        await self.clients.openWindow(pathOf(conversationId));
        return;
      }
      await open.focus();
      open.postMessage({ type: OPEN_CONVERSATION, conversationId });
    })(),
  );
});
