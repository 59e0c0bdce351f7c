// First: configures what every later module's schemas are built with.
import './no-eval.ts';
import { IonicVue } from '@ionic/vue';
import { createApp, shallowRef } from 'vue';
import App from './App.vue';
import { type Account, startAccount } from './account.ts';
import { createHttpClient } from './api/http-client.ts';
import { createServerApi } from './api/server-api.ts';
import { APP_CONTEXT, type AppContext } from './app-context.ts';
import { createClientCrypto } from './crypto/client-crypto.ts';
import { loadNacl } from './crypto/nacl-loader.ts';
import { openAppDatabase } from './database/app-database.ts';
import { createAppRouter } from './router.ts';
import { createSessionService } from './session/session-service.ts';
import { createSessionStore } from './session/session-store.ts';
import { deviceName } from './settings/device-name.ts';
import { applyTheme } from './settings/theme.ts';
import '@ionic/vue/css/core.css';
import '@ionic/vue/css/normalize.css';
import '@ionic/vue/css/structure.css';
import '@ionic/vue/css/typography.css';
import '@ionic/vue/css/padding.css';
import '@ionic/vue/css/flex-utils.css';
import '@ionic/vue/css/display.css';
import '@ionic/vue/css/palettes/dark.class.css';
import './theme/app.css';

/** The app talks to the server that served it (npm start serves both on one port). */
const SERVER_URL = globalThis.location.origin;
export const SIGNED_OUT_REASON = 'anochat-signed-out-reason';

async function boot(): Promise<void> {
  applyTheme();
  const [database, loaded] = await Promise.all([openAppDatabase(), loadNacl()]);
  const crypto = createClientCrypto(loaded.nacl, database);
  const api = createServerApi(createHttpClient(SERVER_URL));
  const account = shallowRef<Account | null>(null);

  const context: AppContext = {
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
        session: context.session,
        signedIn,
        serverUrl: SERVER_URL,
        onUnauthorized: () => void context.signOut('session-ended'),
      });
    },
    async signOut(reason) {
      await account.value?.stop();
      account.value = null;
      if (reason === 'logged-out') await context.session.logout();
      // Nothing of this account stays in the browser: messages, keys, tokens.
      await database.remove();
      sessionStorage.setItem(SIGNED_OUT_REASON, reason);
      globalThis.location.assign('/login');
    },
  };

  const restored = await context.session.restore();
  if (restored !== null && (await crypto.restoreDevice()) !== null) context.signedIn(restored);

  const router = createAppRouter(() => account.value !== null);
  const app = createApp(App)
    // Page transitions only get in the way of automated runs (and of screenshots).
    .use(IonicVue, { animated: !navigator.webdriver })
    .use(router);
  app.provide(APP_CONTEXT, context);
  await router.isReady();
  app.mount('#app');
  Object.assign(globalThis, { anochat: context });
}

boot().catch((error: unknown) => {
  console.error('AnoChat failed to start', error);
  const root = document.getElementById('app');
  if (root) root.textContent = `AnoChat could not start: ${String(error)}`;
});
