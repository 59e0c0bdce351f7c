import { KeychainAccess, SecureStorage } from '@aparajita/capacitor-secure-storage';
import { App } from '@capacitor/app';
import { Camera } from '@capacitor/camera';
import { Capacitor, SystemBars, SystemBarsStyle } from '@capacitor/core';
import { Directory, Filesystem } from '@capacitor/filesystem';
import { LocalNotifications } from '@capacitor/local-notifications';
import { Network } from '@capacitor/network';
import { Preferences } from '@capacitor/preferences';
import { Share } from '@capacitor/share';
import { Badge } from '@capawesome/capacitor-badge';
import { FilePicker } from '@capawesome/capacitor-file-picker';
import { CapacitorShareTarget } from '@capgo/capacitor-share-target';
import type { CapacitorPlugins } from './capacitor-platform.dom.ts';

/** The real plugins (loaded only inside the Android or iOS app: the web build never fetches this). */
export function capacitorPlugins(): CapacitorPlugins {
  return {
    os: Capacitor.getPlatform() === 'ios' ? 'ios' : 'android',
    app: App,
    network: Network,
    preferences: Preferences,
    secureStorage: SecureStorage,
    keychainAccess: KeychainAccess.whenUnlockedThisDeviceOnly,
    localNotifications: LocalNotifications,
    badge: Badge,
    systemBars: SystemBars,
    barStyles: { dark: SystemBarsStyle.Dark, light: SystemBarsStyle.Light },
    camera: Camera,
    filePicker: FilePicker,
    filesystem: Filesystem,
    cacheDirectory: Directory.Cache,
    share: Share,
    shareTarget: CapacitorShareTarget,
    fileUrl: (path) => Capacitor.convertFileSrc(path),
    fetchBlob: async (url) => (await fetch(url)).blob(),
  };
}
