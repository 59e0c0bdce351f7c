import { type App, type BrowserWindow, nativeImage, type Tray } from 'electron';

/** A small filled red circle, drawn here so the Windows taskbar overlay needs no image file. */
function overlayDot(size = 16): Electron.NativeImage {
  const pixels = Buffer.alloc(size * size * 4);
  const centre = (size - 1) / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if ((x - centre) ** 2 + (y - centre) ** 2 > (size / 2) ** 2) continue;
      // BGRA, as nativeImage.createFromBitmap expects.
      pixels.set([0x30, 0x30, 0xe0, 0xff], (y * size + x) * 4);
    }
  }
  return nativeImage.createFromBitmap(pixels, { width: size, height: size });
}

export function unreadLabel(count: number): string {
  return count === 0 ? 'AnoChat' : `AnoChat: ${count} unread`;
}

/**
 * The unread count where each system shows one: the dock or launcher badge (macOS, Linux Unity
 * launchers), an overlay dot on the Windows taskbar button, and the tray icon's tooltip (and its
 * title next to the icon on macOS).
 */
export function createUnreadBadge(options: {
  app: Pick<App, 'setBadgeCount'>;
  platform: NodeJS.Platform;
  window(): BrowserWindow | null;
  tray(): Tray | null;
}) {
  let dot: Electron.NativeImage | null = null;
  let current = 0;
  return {
    count: () => current,
    set(count: number): void {
      current = count;
      if (options.platform === 'win32') {
        dot ??= overlayDot();
        options.window()?.setOverlayIcon(count > 0 ? dot : null, unreadLabel(count));
      } else {
        options.app.setBadgeCount(count);
      }
      const tray = options.tray();
      tray?.setToolTip(unreadLabel(count));
      if (options.platform === 'darwin') tray?.setTitle(count > 0 ? String(count) : '');
    },
  };
}
