import { routeOfDeepLink } from '@anochat/schemas/platform/deep-links';
import { parseServerOrigin } from '@anochat/schemas/platform/server-origin';
import type { KeychainAccess, SecureStoragePlugin } from '@aparajita/capacitor-secure-storage';
import type { AppPlugin } from '@capacitor/app';
import type { CameraPlugin } from '@capacitor/camera';
import type { PluginListenerHandle, SystemBars, SystemBarsStyle } from '@capacitor/core';
import type { Directory, FilesystemPlugin } from '@capacitor/filesystem';
import type { LocalNotificationsPlugin } from '@capacitor/local-notifications';
import type { NetworkPlugin } from '@capacitor/network';
import type { PreferencesPlugin } from '@capacitor/preferences';
import type { SharePlugin } from '@capacitor/share';
import type { BadgePlugin } from '@capawesome/capacitor-badge';
import type { FilePickerPlugin } from '@capawesome/capacitor-file-picker';
import type { CapacitorShareTargetPlugin } from '@capgo/capacitor-share-target';
import {
  checkSecretName,
  type LifecycleState,
  type NotificationPermission,
  type PickedFile,
  type Platform,
  PlatformError,
  serverOrigin,
  type Unsubscribe,
} from './platform.ts';

/**
 * The Capacitor plugins the mobile platform uses, as the app's code sees them. The real ones are
 * wired in capacitor-plugins.dom.ts; tests pass doubles.
 */
export interface CapacitorPlugins {
  os: 'android' | 'ios';
  app: Pick<AppPlugin, 'addListener' | 'getState' | 'getLaunchUrl' | 'minimizeApp'>;
  network: Pick<NetworkPlugin, 'addListener' | 'getStatus'>;
  preferences: Pick<PreferencesPlugin, 'get' | 'set'>;
  secureStorage: Pick<
    SecureStoragePlugin,
    | 'setKeyPrefix'
    | 'setSynchronize'
    | 'setDefaultKeychainAccess'
    | 'getItem'
    | 'setItem'
    | 'removeItem'
  >;
  /** The Keychain's "only while unlocked, never leaves this device" class. */
  keychainAccess: KeychainAccess;
  localNotifications: Pick<
    LocalNotificationsPlugin,
    'checkPermissions' | 'requestPermissions' | 'schedule' | 'addListener'
  >;
  badge: Pick<BadgePlugin, 'set' | 'clear'>;
  systemBars: Pick<typeof SystemBars, 'setStyle'>;
  /** Light icons on dark bars, and dark icons on light bars. */
  barStyles: { dark: SystemBarsStyle; light: SystemBarsStyle };
  camera: Pick<CameraPlugin, 'takePhoto'>;
  filePicker: Pick<FilePickerPlugin, 'pickFiles'>;
  filesystem: Pick<FilesystemPlugin, 'writeFile'>;
  cacheDirectory: Directory;
  share: Pick<SharePlugin, 'share'>;
  shareTarget: Pick<CapacitorShareTargetPlugin, 'addListener'>;
  /** A native path or URI as a URL the web view may fetch (`Capacitor.convertFileSrc`). */
  fileUrl(path: string): string;
  fetchBlob(url: string): Promise<Blob>;
}

const SERVER_KEY = 'anochat-server-url';
const SECRET_PREFIX = 'anochat_';

/** A plugin listener as an Unsubscribe: Capacitor hands out its handle asynchronously. */
function unsubscriber(handle: Promise<PluginListenerHandle>): Unsubscribe {
  return () => {
    handle.then((registered) => registered.remove()).catch(() => undefined);
  };
}

/** Local notifications need a 32-bit id: one per conversation, so a newer one replaces it. */
export function notificationId(conversationId: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < conversationId.length; index++) {
    hash = Math.imul(hash ^ conversationId.charCodeAt(index), 0x01000193);
  }
  return hash & 0x7fffffff;
}

function blobToBase64(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/**
 * Android and iOS through Capacitor. What differs from the browser:
 * - the server is chosen by the person and kept in Preferences;
 * - secrets live in the Keychain (this device only, never synced to iCloud) or in the Android
 *   Keystore-backed storage;
 * - lifecycle and network come from the App and Network plugins: the web view can be frozen in
 *   the background without a visibility event, so `pause`/`resume` are what sync follows;
 * - notifications are local notifications, the badge the launcher icon's;
 * - the back button, `anochat://` links, content shared from other apps, the camera and the
 *   system's file picker.
 */
export async function createCapacitorPlatform(plugins: CapacitorPlugins): Promise<Platform> {
  const [storedServer, appState, networkStatus, launch, notificationPermission] = await Promise.all(
    [
      plugins.preferences.get({ key: SERVER_KEY }),
      plugins.app.getState(),
      plugins.network.getStatus(),
      plugins.app.getLaunchUrl(),
      plugins.localNotifications.checkPermissions(),
    ],
  );
  const stored = storedServer.value === null ? null : parseServerOrigin(storedServer.value);
  let server = stored !== null && 'origin' in stored ? stored.origin : null;
  let lifecycle: LifecycleState = appState.isActive ? 'active' : 'background';
  let online = networkStatus.connected;
  let permission = permissionOf(notificationPermission.display);
  // Android answers {} when the app was not opened by a link.
  let initialRoute = typeof launch?.url === 'string' ? routeOfDeepLink(launch.url) : null;

  const secretsReady = (async () => {
    await plugins.secureStorage.setKeyPrefix(SECRET_PREFIX);
    if (plugins.os === 'ios') {
      await plugins.secureStorage.setSynchronize(false);
      await plugins.secureStorage.setDefaultKeychainAccess(plugins.keychainAccess);
    }
  })();

  async function secretStore<T>(operation: () => Promise<T>): Promise<T> {
    try {
      await secretsReady;
      return await operation();
    } catch (error) {
      throw new PlatformError('SECRET_STORE_UNAVAILABLE', String(error));
    }
  }

  async function picked(
    name: string,
    type: string,
    size: number | undefined,
    path: string,
  ): Promise<PickedFile> {
    const blob = await plugins.fetchBlob(plugins.fileUrl(path));
    return { name, type: type || blob.type, size: size ?? blob.size, blob };
  }

  return {
    kind: 'capacitor',
    server: {
      current: () => server,
      choosable: true,
      async choose(url) {
        const origin = serverOrigin(url);
        await plugins.preferences.set({ key: SERVER_KEY, value: origin });
        server = origin;
      },
    },
    secrets: {
      protectedAtRest: true,
      async get(name) {
        checkSecretName(name);
        return secretStore(() => plugins.secureStorage.getItem(name));
      },
      async set(name, value) {
        checkSecretName(name);
        await secretStore(() => plugins.secureStorage.setItem(name, value));
      },
      async delete(name) {
        checkSecretName(name);
        await secretStore(() => plugins.secureStorage.removeItem(name));
      },
    },
    network: {
      online: () => online,
      subscribe: (listener) =>
        unsubscriber(
          plugins.network.addListener('networkStatusChange', (status) => {
            if (status.connected === online) return;
            online = status.connected;
            listener(online);
          }),
        ),
    },
    lifecycle: {
      state: () => lifecycle,
      subscribe(listener) {
        const to = (state: LifecycleState) => () => {
          if (state === lifecycle) return;
          lifecycle = state;
          listener(state);
        };
        const pause = unsubscriber(plugins.app.addListener('pause', to('background')));
        const resume = unsubscriber(plugins.app.addListener('resume', to('active')));
        return () => {
          pause();
          resume();
        };
      },
    },
    notifications: {
      permission: () => permission,
      async requestPermission() {
        permission = permissionOf((await plugins.localNotifications.requestPermissions()).display);
        return permission;
      },
      show(notice) {
        if (permission !== 'granted') return;
        plugins.localNotifications
          .schedule({
            notifications: [
              {
                id: notificationId(notice.conversationId),
                title: notice.title,
                body: notice.body,
                group: 'messages',
                autoCancel: true,
                extra: { conversationId: notice.conversationId },
              },
            ],
          })
          .catch(() => undefined);
      },
      setBadge(count) {
        const done = count > 0 ? plugins.badge.set({ count }) : plugins.badge.clear();
        done.catch(() => undefined);
      },
      onOpened: (listener) =>
        unsubscriber(
          plugins.localNotifications.addListener('localNotificationActionPerformed', (action) => {
            const conversationId: unknown = action.notification.extra?.conversationId;
            if (typeof conversationId === 'string') listener(conversationId);
          }),
        ),
    },
    // The phone notifies through its own local notifications.
    webPush: null,
    files: {
      async pick(options) {
        if (options.source === 'camera') {
          try {
            const photo = await plugins.camera.takePhoto({ quality: 85, saveToGallery: false });
            const path = photo.uri ?? photo.webPath;
            if (path === undefined) return [];
            const name = `photo-${Date.now()}.jpg`;
            return [await picked(name, 'image/jpeg', photo.metadata?.size, path)];
          } catch {
            // The person closed the camera (the plugin rejects on cancel).
            return [];
          }
        }
        let result: Awaited<ReturnType<FilePickerPlugin['pickFiles']>>;
        try {
          result = await plugins.filePicker.pickFiles({
            ...(options.accept === undefined
              ? {}
              : { types: options.accept.split(',').map((type) => type.trim()) }),
            limit: options.multiple ? 0 : 1,
          });
        } catch {
          return [];
        }
        return Promise.all(
          result.files.flatMap((file) =>
            file.path === undefined ? [] : [picked(file.name, file.mimeType, file.size, file.path)],
          ),
        );
      },
      async save(name, blob) {
        // A phone has no downloads folder to drop into: the file goes to the share sheet, from
        // which the person saves it or sends it on.
        const written = await plugins.filesystem.writeFile({
          path: name.replace(/[/\\]/g, '_'),
          data: await blobToBase64(blob),
          directory: plugins.cacheDirectory,
        });
        await plugins.share.share({ files: [written.uri], dialogTitle: name });
      },
    },
    links: {
      takeInitialRoute() {
        const route = initialRoute;
        initialRoute = null;
        return route;
      },
      subscribe: (listener) =>
        unsubscriber(
          plugins.app.addListener('appUrlOpen', ({ url }) => {
            const route = routeOfDeepLink(url);
            if (route !== null) listener(route);
          }),
        ),
    },
    backButton: {
      subscribe: (listener) => unsubscriber(plugins.app.addListener('backButton', listener)),
      leave() {
        plugins.app.minimizeApp().catch(() => undefined);
      },
    },
    shareTarget: {
      subscribe: (listener) =>
        unsubscriber(
          plugins.shareTarget.addListener('shareReceived', (event) => {
            Promise.all(
              event.files.map((file) => picked(file.name, file.mimeType, undefined, file.uri)),
            )
              .then((files) => listener({ texts: event.texts, files }))
              .catch(() => listener({ texts: event.texts, files: [] }));
          }),
        ),
    },
    systemBars: {
      match(theme) {
        plugins.systemBars.setStyle({ style: plugins.barStyles[theme] }).catch(() => undefined);
      },
    },
  };
}

function permissionOf(state: string): NotificationPermission {
  if (state === 'granted') return 'granted';
  if (state === 'denied') return 'denied';
  return 'default';
}
