import type { InjectionKey, ShallowRef } from 'vue';
import { inject } from 'vue';
import type { Account } from './account.ts';
import type { ServerApi } from './api/server-api.ts';
import type { ClientCrypto } from './crypto/client-crypto.ts';
import type { AppDatabase } from './database/app-database.ts';
import type { Platform } from './platform/platform.ts';
import type { SessionService } from './session/session-service.ts';
import type { StoredSession } from './session/session-store.ts';
import type { ShareInbox } from './sharing/share-inbox.ts';

export interface AppContext {
  /** What differs between the web, the desktop and the mobile app. */
  platform: Platform;
  /** Text and files shared from other apps, waiting for a conversation. */
  shareInbox: ShareInbox;
  database: AppDatabase;
  crypto: ClientCrypto;
  cryptoProvider: 'wasm' | 'tweetnacl';
  api: ServerApi;
  session: SessionService;
  account: ShallowRef<Account | null>;
  signedIn(session: StoredSession): void;
  /** Logs out (or forgets an ended session): wipes this browser's data and shows the login. */
  signOut(reason: 'logged-out' | 'session-ended'): Promise<void>;
}

export const APP_CONTEXT: InjectionKey<AppContext> = Symbol('AnoChat');

export function useApp(): AppContext {
  const context = inject(APP_CONTEXT);
  if (context === undefined) throw new Error('AnoChat context missing');
  return context;
}

/** The signed-in account; pages behind the router guard always have one. */
export function useAccount(): Account {
  const account = useApp().account.value;
  if (account === null) throw new Error('not signed in');
  return account;
}
