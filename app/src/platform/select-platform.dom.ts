import {
  DESKTOP_BRIDGE_GLOBAL,
  type DesktopBridge,
} from '@anochat/schemas/platform/desktop-bridge';
import type { Platform } from './platform.ts';
import { createWebPlatform } from './web-platform.dom.ts';

interface PackagedGlobals {
  [DESKTOP_BRIDGE_GLOBAL]?: DesktopBridge;
  /** Set by Capacitor's native bridge before the page's scripts run. */
  Capacitor?: { isNativePlatform?: () => boolean };
}

/**
 * The platform the app runs on: the desktop shell's preload bridge, Capacitor's native bridge, or
 * a browser. The desktop and mobile implementations are separate chunks, fetched only there.
 */
export async function selectPlatform(): Promise<Platform> {
  const packaged = globalThis as typeof globalThis & PackagedGlobals;
  const desktop = packaged[DESKTOP_BRIDGE_GLOBAL];
  if (desktop !== undefined) {
    const { createElectronPlatform } = await import('./electron-platform.dom.ts');
    return createElectronPlatform(desktop);
  }
  if (packaged.Capacitor?.isNativePlatform?.() === true) {
    const [{ createCapacitorPlatform }, { capacitorPlugins }] = await Promise.all([
      import('./capacitor-platform.dom.ts'),
      import('./capacitor-plugins.dom.ts'),
    ]);
    return createCapacitorPlatform(capacitorPlugins());
  }
  return createWebPlatform();
}
