import { pushPayload } from '@anochat/schemas/api/push';
import type { ServerApi } from '../api/server-api.ts';
import type { WebPushSubscriber } from '../platform/platform.ts';

/**
 * Web Push on the web app (docs/protocol.md, "Web Push"): the page registers this browser's push
 * subscription with the server; the service worker (`sw.dom.ts`) shows what a push says.
 *
 * A push carries no message content, only the conversation (encrypted for this browser). The
 * service worker does not open the message itself: that would take the whole client into the
 * worker (the session's tokens and the sync protocol to fetch it, the device's keys and the
 * WebAssembly NaCl to open it, the conversation keys from RxDB's IndexedDB to decrypt it) while
 * the page may be writing the same database. So a closed app shows "New message", with neither
 * sender nor text, and the app, once open, syncs and decrypts as usual.
 */

export interface PushNotice {
  title: string;
  options: { body: string; tag: string; data: { conversationId: string | null } };
}

/** What the service worker shows for a push: a malformed one still says that something arrived. */
export function noticeForPush(data: unknown): PushNotice {
  const parsed = pushPayload.safeParse(data);
  const conversationId = parsed.success ? parsed.data.conversationId : null;
  return {
    title: 'AnoChat',
    // The tag of the page's own notifications for the conversation: one replaces the other.
    options: { body: 'New message', tag: conversationId ?? 'anochat', data: { conversationId } },
  };
}

/** Where a notification opens the app. */
export function pathOf(conversationId: string | null): string {
  return conversationId === null ? '/chats' : `/chats/${conversationId}`;
}

/** Service worker -> page: the person opened a notification of this conversation. */
export const OPEN_CONVERSATION = 'anochat-open-conversation';
export interface OpenConversationMessage {
  type: typeof OPEN_CONVERSATION;
  conversationId: string | null;
}
export function isOpenConversation(message: unknown): message is OpenConversationMessage {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { type?: unknown }).type === OPEN_CONVERSATION
  );
}

/**
 * Keeps the server told of this browser's push subscription while the person allows
 * notifications: `refresh` (at start, and after a grant) subscribes where the browser can and
 * registers the subscription for this device. Nothing happens on a platform without Web Push, on
 * a server with Web Push off, or without permission.
 */
export function createWebPushRegistration(deps: {
  subscriber: WebPushSubscriber | null;
  api: Pick<ServerApi, 'vapidPublicKey' | 'putPushSubscription'>;
  authenticated<T>(call: (token: string) => Promise<T>): Promise<T>;
  permission(): 'granted' | 'denied' | 'default';
}) {
  let running: Promise<boolean> | null = null;
  async function register(): Promise<boolean> {
    const { subscriber } = deps;
    if (subscriber === null || deps.permission() !== 'granted') return false;
    const { publicKey } = await deps.api.vapidPublicKey();
    const subscription = await subscriber.subscribe(publicKey);
    if (subscription === null) return false;
    await deps.authenticated((token) => deps.api.putPushSubscription(token, subscription));
    return true;
  }
  return {
    /** Resolves to whether this device is registered for pushes now. */
    refresh(): Promise<boolean> {
      running ??= register()
        .catch((error: unknown) => {
          console.warn('AnoChat: Web Push is not available here', error);
          return false;
        })
        .finally(() => {
          running = null;
        });
      return running;
    },
  };
}
