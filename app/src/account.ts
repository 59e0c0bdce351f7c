import { COLLECTIONS } from '@anochat/schemas/rxdb/sync';
import type { ServerApi } from './api/server-api.ts';
import type { AttachmentServices, Attachments } from './attachments/attachments.ts';
import { createChatActions } from './chat/chat-actions.ts';
import { createEphemeralState } from './chat/ephemeral.ts';
import { startMessageProjector } from './chat/message-projector.ts';
import { startReceipts } from './chat/receipts.ts';
import { createBlockActions } from './contacts/blocks.ts';
import { startIdentityKeyWatch } from './contacts/identity-keys.ts';
import { createRequestActions } from './contacts/message-requests.ts';
import { createConversationActions } from './conversations/conversation-actions.ts';
import { createEpochRotation } from './conversations/epoch-rotation.ts';
import { startKeyDistribution } from './conversations/key-distribution.ts';
import type { ClientCrypto } from './crypto/client-crypto.ts';
import type { AppDatabase } from './database/app-database.ts';
import { startMessageNotices } from './notifications/message-notices.ts';
import { createMuteActions } from './notifications/mutes.ts';
import { createWebPushRegistration } from './notifications/web-push.ts';
import type { Platform } from './platform/platform.ts';
import { startResumeSync } from './replication/resume-sync.ts';
import { createSyncEngine } from './replication/sync-engine.ts';
import { createSyncTransport } from './replication/sync-transport.ts';
import type { SessionService } from './session/session-service.ts';
import type { StoredSession } from './session/session-store.ts';
import { notificationPreviews } from './settings/notification-previews.ts';

/**
 * Everything that runs for a signed-in account: the read models (message views, receipts, key
 * distribution) start before replication, so nothing replication writes is missed.
 */
export function startAccount(deps: {
  database: AppDatabase;
  crypto: ClientCrypto;
  session: SessionService;
  signedIn: StoredSession;
  serverUrl: string;
  /** The server's push subscription routes (Web Push). */
  api: Pick<ServerApi, 'vapidPublicKey' | 'putPushSubscription'>;
  /** Network, foreground and background, notifications: what differs by platform. */
  platform: Pick<Platform, 'network' | 'lifecycle' | 'notifications' | 'webPush'>;
  /** Whether this conversation is on screen now (then a new message needs no notification). */
  isOnScreen(conversationId: string): boolean;
  /** Files out and in; their store and media decoding are the host's (IndexedDB, canvas). */
  startAttachments(services: AttachmentServices): Attachments;
}) {
  const { database, crypto, signedIn } = deps;
  const transport = createSyncTransport({
    url: deps.serverUrl,
    accessToken: () => deps.session.accessToken(),
    refreshAccessToken: (expired) => deps.session.refresh(expired),
    network: deps.platform.network,
  });
  const engine = createSyncEngine({
    database,
    transport,
    identifier: `${deps.serverUrl}/${signedIn.userId}/${signedIn.deviceId}`,
    deviceId: signedIn.deviceId,
  });
  let lastDeviceResync = 0;
  // The server does not tell contacts about a new device of someone; a message from one asks.
  const projector = startMessageProjector(database, crypto, () => {
    if (Date.now() - lastDeviceResync < 2_000) return;
    lastDeviceResync = Date.now();
    engine.resync(['users', 'devices']);
  });
  const receipts = startReceipts(database, signedIn.userId);
  const identityKeys = startIdentityKeyWatch(database, signedIn.userId);
  const keys = startKeyDistribution(database, crypto, signedIn.userId);
  const rotation = createEpochRotation(database, crypto, { now: () => deps.session.serverNow() });
  rotation.start();
  const ephemeral = createEphemeralState(transport, signedIn.userId);
  const chat = createChatActions(database, crypto, signedIn.deviceId, rotation);
  const attachments = deps.startAttachments({
    nacl: crypto.nacl,
    serverUrl: deps.serverUrl,
    accessToken: () => deps.session.accessToken(),
    network: deps.platform.network,
    newMessageId: () => crypto.randomId(),
    sendMessage: (conversationId, messageId, payload) =>
      chat.sendAttachment(conversationId, messageId, payload),
  });
  engine.start();
  const stopResumeSync = startResumeSync({
    lifecycle: deps.platform.lifecycle,
    reconnect: () => transport.reconnect(),
    pull: () => engine.resync([...COLLECTIONS]),
  });
  const notices = startMessageNotices({
    database,
    crypto,
    selfUserId: signedIn.userId,
    notifier: deps.platform.notifications,
    caughtUp: engine.awaitInSync(),
    isOnScreen: deps.isOnScreen,
    previews: notificationPreviews,
  });
  const webPush = createWebPushRegistration({
    subscriber: deps.platform.webPush,
    api: deps.api,
    authenticated: (call) => deps.session.authenticated(call),
    permission: () => deps.platform.notifications.permission(),
  });
  void webPush.refresh();

  return {
    userId: signedIn.userId,
    deviceId: signedIn.deviceId,
    engine,
    transport,
    receipts,
    ephemeral,
    projectorReady: projector.ready,
    chat,
    attachments,
    conversations: createConversationActions(database, crypto, signedIn.userId),
    requests: createRequestActions(database, signedIn.userId),
    blocks: createBlockActions(database, signedIn.userId),
    mutes: createMuteActions(database, signedIn.userId),
    /**
     * Asks the person to allow notifications (after something they did, never on load); granted,
     * this browser also subscribes to Web Push, so that a closed app hears of new messages.
     */
    async allowNotifications() {
      const permission = await deps.platform.notifications.requestPermission();
      // The subscription is made in the background: a browser without a push service may take long.
      if (permission === 'granted') void webPush.refresh();
      return permission;
    },
    async stop(): Promise<void> {
      attachments.stop();
      notices.stop();
      stopResumeSync();
      ephemeral.stop();
      keys.stop();
      rotation.stop();
      receipts.stop();
      identityKeys.stop();
      projector.stop();
      await engine.stop();
    },
  };
}

export type Account = ReturnType<typeof startAccount>;
