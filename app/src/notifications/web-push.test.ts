import { describe, expect, it } from 'vitest';
import type { WebPushSubscriber } from '../platform/platform.ts';
import {
  createWebPushRegistration,
  isOpenConversation,
  noticeForPush,
  OPEN_CONVERSATION,
  pathOf,
} from './web-push.ts';

const CHAT = '00000000-0000-4000-8000-0000000000c1';
const SUBSCRIPTION = {
  endpoint: 'https://push.example/abc',
  keys: { p256dh: 'p'.repeat(87), auth: 'a'.repeat(22) },
};

describe('what a push shows', () => {
  it('says "New message" in the conversation the push names, and nothing else', () => {
    expect(noticeForPush({ type: 'message', conversationId: CHAT })).toEqual({
      title: 'AnoChat',
      options: { body: 'New message', tag: CHAT, data: { conversationId: CHAT } },
    });
    expect(pathOf(CHAT)).toBe(`/chats/${CHAT}`);
  });

  it('still says that something arrived when the push is not one it knows, and opens the list', () => {
    for (const data of [
      null,
      'text',
      { type: 'message', conversationId: 'x' },
      { type: 'other' },
    ]) {
      expect(noticeForPush(data)).toEqual({
        title: 'AnoChat',
        options: { body: 'New message', tag: 'anochat', data: { conversationId: null } },
      });
    }
    expect(pathOf(null)).toBe('/chats');
  });

  it('tells the page which conversation to open by a message only the worker sends', () => {
    expect(isOpenConversation({ type: OPEN_CONVERSATION, conversationId: CHAT })).toBe(true);
    expect(isOpenConversation({ type: 'SKIP_WAITING' })).toBe(false);
    expect(isOpenConversation(null)).toBe(false);
  });
});

describe('the push registration', () => {
  /** The browser's PushManager and the server's routes, recorded (neither runs here). */
  function world(options: {
    permission: 'granted' | 'denied' | 'default';
    subscriber?: WebPushSubscriber | null;
  }) {
    const registered: unknown[] = [];
    const keysAsked: string[] = [];
    const subscriber: WebPushSubscriber = {
      subscribe: async (key) => {
        keysAsked.push(key);
        return SUBSCRIPTION;
      },
      unsubscribe: async () => undefined,
    };
    const registration = createWebPushRegistration({
      subscriber: options.subscriber === undefined ? subscriber : options.subscriber,
      api: {
        vapidPublicKey: async () => ({ publicKey: 'server-key' }),
        putPushSubscription: async (token, body) => {
          registered.push({ token, body });
        },
      },
      authenticated: (call) => call('token-1'),
      permission: () => options.permission,
    });
    return { registration, registered, keysAsked };
  }

  it('subscribes with the server’s key and registers the subscription once notifications are allowed', async () => {
    const { registration, registered, keysAsked } = world({ permission: 'granted' });
    expect(await registration.refresh()).toBe(true);
    expect(keysAsked).toEqual(['server-key']);
    expect(registered).toEqual([{ token: 'token-1', body: SUBSCRIPTION }]);
  });

  it('does nothing without permission or on a platform without Web Push', async () => {
    for (const setup of [
      world({ permission: 'default' }),
      world({ permission: 'denied' }),
      world({ permission: 'granted', subscriber: null }),
    ]) {
      expect(await setup.registration.refresh()).toBe(false);
      expect(setup.registered).toEqual([]);
    }
  });

  it('registers nothing when the browser cannot subscribe, and survives the server refusing', async () => {
    const none = world({
      permission: 'granted',
      subscriber: { subscribe: async () => null, unsubscribe: async () => undefined },
    });
    expect(await none.registration.refresh()).toBe(false);
    expect(none.registered).toEqual([]);

    const refused = createWebPushRegistration({
      subscriber: { subscribe: async () => SUBSCRIPTION, unsubscribe: async () => undefined },
      api: {
        vapidPublicKey: async () => {
          throw new Error('Web Push is off on this server');
        },
        putPushSubscription: async () => undefined,
      },
      authenticated: (call) => call('token-1'),
      permission: () => 'granted',
    });
    expect(await refused.refresh()).toBe(false);
  });
});
