// First: configures what every later module's schemas are built with.
import './no-eval.ts';
import { IonicVue } from '@ionic/vue';
import { createApp, shallowRef } from 'vue';
import App from './App.vue';
import { type Account, startAccount } from './account.ts';
import { createHttpClient } from './api/http-client.ts';
import { createServerApi } from './api/server-api.ts';
import { APP_CONTEXT, type AppContext } from './app-context.ts';
import { openAttachmentStore } from './attachments/attachment-store.ts';
import { startBrowserAttachments } from './attachments/attachments.dom.ts';
import { pendingInvite } from './contacts/invites.ts';
import { createClientCrypto } from './crypto/client-crypto.ts';
import { loadNacl } from './crypto/nacl-loader.ts';
import { openAppDatabase } from './database/app-database.ts';
import { connectPlatformToRouter, isOnScreen } from './platform/platform-wiring.dom.ts';
import { selectPlatform } from './platform/select-platform.dom.ts';
import { createAppRouter } from './router.ts';
import { readEndedSession, signOutOf } from './session/session-end.ts';
import { createSessionService } from './session/session-service.ts';
import { createSessionStore } from './session/session-store.ts';
import { deviceName } from './settings/device-name.ts';
import { applyTheme, themeSystemBars } from './settings/theme.ts';
import { startShareInbox } from './sharing/share-inbox.ts';
import '@ionic/vue/css/core.css';
import '@ionic/vue/css/normalize.css';
import '@ionic/vue/css/structure.css';
import '@ionic/vue/css/typography.css';
import '@ionic/vue/css/padding.css';
import '@ionic/vue/css/flex-utils.css';
import '@ionic/vue/css/display.css';
import '@ionic/vue/css/palettes/dark.class.css';
import './theme/app.css';

export const SIGNED_OUT_REASON = 'anochat-signed-out-reason';

async function boot(): Promise<void> {
  const platform = await selectPlatform();
  themeSystemBars(platform.systemBars);
  applyTheme();
  // The web app talks to the server that served it; a packaged app to the one the person chose
  // (none yet at first start: the router then shows the server choice, which reloads the app).
  const serverUrl = platform.server.current();
  const [database, loaded] = await Promise.all([openAppDatabase(), loadNacl()]);
  const crypto = createClientCrypto(loaded.nacl, database, platform.secrets);
  const api = createServerApi(createHttpClient(serverUrl ?? ''));
  const account = shallowRef<Account | null>(null);
  let signingOut: Promise<void> | undefined;
  // Read before any navigation: a session that ended with unsent messages shows only them.
  let ended: Awaited<ReturnType<typeof readEndedSession>> = null;
  const router = createAppRouter({
    isSignedIn: () => account.value !== null,
    hasServer: () => platform.server.current() !== null,
    hasEndedSession: () => ended !== null,
    pendingInvite: pendingInvite(sessionStorage),
  });

  const context: AppContext = {
    platform,
    shareInbox: startShareInbox({ shareTarget: platform.shareTarget, router, database }),
    database,
    crypto,
    cryptoProvider: loaded.provider,
    api,
    session: createSessionService({
      api,
      store: createSessionStore(database),
      crypto,
      deviceName: deviceName(),
      onSessionEnded: () => void context.signOut('session-ended'),
    }),
    account,
    signedIn(signedIn) {
      if (account.value !== null) return;
      account.value = startAccount({
        database,
        crypto,
        startAttachments: startBrowserAttachments,
        session: context.session,
        signedIn,
        serverUrl: serverUrl ?? '',
        api,
        platform,
        isOnScreen: (conversationId) => isOnScreen(router, conversationId),
      });
    },
    signOut(reason) {
      signingOut ??= (async () => {
        // Nothing of this account stays on the device (messages, files, keys, tokens), unless
        // messages or files never reached the server: then they are shown first, and nothing goes
        // unasked.
        const next = await signOutOf(
          {
            database,
            // A handle of its own: the account's closes when the account stops.
            attachments: openAttachmentStore(),
            session: context.session,
            stopAccount: async () => {
              await account.value?.stop();
              account.value = null;
            },
            // The device's keys end with its session; unsent texts stay in the database.
            forgetDeviceKeys: () =>
              crypto.forgetDevice().catch((error: unknown) => {
                console.warn('AnoChat: the secret store could not forget this device', error);
              }),
          },
          reason,
        );
        // The next account on this browser gets a subscription of its own (the server stopped
        // pushing this one when the device's session ended).
        await platform.webPush?.unsubscribe().catch(() => undefined);
        sessionStorage.setItem(SIGNED_OUT_REASON, reason);
        globalThis.location.assign(next);
      })();
      return signingOut;
    },
  };

  ended = await readEndedSession(database);
  const restored = serverUrl === null || ended !== null ? null : await context.session.restore();
  if (restored !== null && (await crypto.restoreDevice()) !== null) context.signedIn(restored);

  const app = createApp(App)
    // Page transitions only get in the way of automated runs (and of screenshots).
    .use(IonicVue, { animated: !navigator.webdriver })
    .use(router);
  app.provide(APP_CONTEXT, context);
  await router.isReady();
  app.mount('#app');
  connectPlatformToRouter(platform, router);
  Object.assign(globalThis, { anochat: context });
}

boot().catch((error: unknown) => {
  console.error('AnoChat failed to start', error);
  const root = document.getElementById('app');
  if (root) root.textContent = `AnoChat could not start: ${String(error)}`;
});
