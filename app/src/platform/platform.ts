import type { MessageNotice } from '@anochat/schemas/platform/message-notice';
import { SECRET_NAME_PATTERN } from '@anochat/schemas/platform/secrets';
import { parseServerOrigin } from '@anochat/schemas/platform/server-origin';

export type { MessageNotice };

/**
 * The seam between the one app and the three ways it is installed (the web, Electron, Capacitor).
 * Everything that differs between them goes through a `Platform`; nothing else in the app may ask
 * the browser, Electron's bridge or a Capacitor plugin directly. The web implementation is
 * `web-platform.dom.ts`; the desktop and mobile ones live beside it and are picked in `main.ts`.
 */

export type PlatformKind = 'web' | 'electron' | 'capacitor';

/**
 * The sync server this app talks to. On the web it is the origin that served the app and cannot
 * be changed; a packaged app has no such origin (its pages come from `app://` or
 * `capacitor://`), so the person chooses the server at first start and may change it later.
 */
export interface ServerChoice {
  /** `null` until the person has chosen a server (packaged apps only). */
  current(): string | null;
  readonly choosable: boolean;
  /** Remembers an `http(s)://` origin; refuses anything else with a `PlatformError`. */
  choose(url: string): Promise<void>;
}

/**
 * Where device secrets (key pairs, identity seed, archive key) are kept: the operating system's
 * secret store where there is one (Keychain, Android Keystore, Electron's `safeStorage`), the
 * browser's IndexedDB on the web. Values are opaque strings; names are short identifiers.
 */
export interface SecretStore {
  /** Whether the operating system protects the values at rest (false on the web). */
  readonly protectedAtRest: boolean;
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}

export type Unsubscribe = () => void;

/** Whether the device believes it has a network; sync connects at once when it comes back. */
export interface NetworkStatus {
  online(): boolean;
  subscribe(listener: (online: boolean) => void): Unsubscribe;
}

/**
 * Foreground and background: a backgrounded mobile app may be frozen and its socket silently
 * dropped, so sync reconnects and pulls on every return to `active`.
 */
export type LifecycleState = 'active' | 'background';

export interface AppLifecycle {
  state(): LifecycleState;
  subscribe(listener: (state: LifecycleState) => void): Unsubscribe;
}

export type NotificationPermission = 'granted' | 'denied' | 'default';

export interface Notifier {
  permission(): NotificationPermission;
  /** Asks the person; call it after something they did, never on first load. */
  requestPermission(): Promise<NotificationPermission>;
  show(notice: MessageNotice): void;
  /** The unread count on the dock, taskbar, launcher icon or installed PWA (0 clears it). */
  setBadge(count: number): void;
  /** The person opened a notification: the app shows that conversation. */
  onOpened(listener: (conversationId: string) => void): Unsubscribe;
}

/**
 * Web Push (docs/protocol.md, "Web Push"): the browser's push subscription, through which the
 * server tells a closed web app that something arrived. Packaged apps have none (null): they keep
 * notifying through their own process.
 */
export interface WebPushSubscriber {
  /**
   * This browser's subscription for the server's VAPID key (made when there is none, or when it
   * was made for another key), as `PushSubscription.toJSON()` gives it; null where the browser
   * cannot subscribe (no service worker, no push service, permission not granted).
   */
  subscribe(vapidPublicKey: string): Promise<{
    endpoint: string;
    keys: { p256dh: string; auth: string };
  } | null>;
  /** Drops this browser's subscription (signing out). */
  unsubscribe(): Promise<void>;
}

export interface PickedFile {
  name: string;
  type: string;
  size: number;
  /** The file's bytes, read when needed (a large video is never held in memory twice). */
  blob: Blob;
}

export interface FileAccess {
  /**
   * Lets the person choose files, or take a photo with the camera (`source: 'camera'`); resolves
   * to an empty list when they cancel.
   */
  pick(options: {
    accept?: string;
    multiple?: boolean;
    source?: 'files' | 'camera';
  }): Promise<PickedFile[]>;
  /** Hands a decrypted file to the person (a download, a save dialog, a share sheet). */
  save(name: string, blob: Blob): Promise<void>;
}

/**
 * Pages the app is asked to show from outside the page: an `anochat://` link, the desktop menu,
 * content shared into the app. Routes are checked (`isLinkableRoute`) before they arrive here.
 */
export interface AppLinks {
  /** The page asked for by whatever started the app, given once (then null). */
  takeInitialRoute(): string | null;
  subscribe(listener: (route: string) => void): Unsubscribe;
}

/** Android's back button (or gesture); the browser and the desktop have their own back. */
export interface BackButton {
  subscribe(listener: () => void): Unsubscribe;
  /** Nothing left to go back to: the app goes to the background, as Android apps do. */
  leave(): void;
}

/** Text and files another app shared into AnoChat (Android's share sheet). */
export interface SharedContent {
  texts: string[];
  files: PickedFile[];
}

export interface ShareTarget {
  subscribe(listener: (shared: SharedContent) => void): Unsubscribe;
}

/** The phone's status and navigation bars follow the app's light or dark theme. */
export interface SystemBars {
  match(theme: 'light' | 'dark'): void;
}

export interface Platform {
  readonly kind: PlatformKind;
  readonly server: ServerChoice;
  readonly secrets: SecretStore;
  readonly network: NetworkStatus;
  readonly lifecycle: AppLifecycle;
  readonly notifications: Notifier;
  /** null on packaged apps, which notify natively. */
  readonly webPush: WebPushSubscriber | null;
  readonly files: FileAccess;
  readonly links: AppLinks;
  /** null where the platform's own back (the browser's, the desktop's) is used. */
  readonly backButton: BackButton | null;
  /** null where nothing can be shared into the app. */
  readonly shareTarget: ShareTarget | null;
  readonly systemBars: SystemBars;
}

export class PlatformError extends Error {
  override readonly name = 'PlatformError';
  constructor(
    readonly code:
      | 'INVALID_SERVER_URL'
      | 'SECRET_STORE_UNAVAILABLE'
      | 'INVALID_SECRET_NAME'
      | 'PLATFORM_FAILED',
    message: string,
  ) {
    super(message);
  }
}

/** Secret names are identifiers, so that every store can use them as keys or file names. */
export function checkSecretName(name: string): void {
  if (!SECRET_NAME_PATTERN.test(name)) {
    throw new PlatformError('INVALID_SECRET_NAME', `not a secret name: ${JSON.stringify(name)}`);
  }
}

/**
 * The origin of a server URL the person typed (`https://chat.example.org/` ->
 * `https://chat.example.org`). Only http and https: the app speaks HTTP and WebSocket to it.
 */
export function serverOrigin(input: string): string {
  const parsed = parseServerOrigin(input);
  if ('problem' in parsed) throw new PlatformError('INVALID_SERVER_URL', parsed.problem);
  return parsed.origin;
}
