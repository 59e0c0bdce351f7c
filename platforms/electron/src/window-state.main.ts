import type { BrowserWindow, Rectangle } from 'electron';
import type { WindowState } from './desktop-settings.node.ts';

export const DEFAULT_SIZE = { width: 1100, height: 760 };

function overlaps(a: Rectangle, b: Rectangle): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/**
 * Where the window opens: where it was last time, unless that place is on no display any more
 * (a monitor unplugged), then at the default size, centred by the system.
 */
export function initialBounds(
  saved: WindowState | null,
  workAreas: readonly Rectangle[],
): Partial<Rectangle> & { width: number; height: number } {
  if (saved === null) return { ...DEFAULT_SIZE };
  const bounds = { x: saved.x, y: saved.y, width: saved.width, height: saved.height };
  if (!workAreas.some((area) => overlaps(area, bounds))) {
    return { width: saved.width, height: saved.height };
  }
  return bounds;
}

/**
 * Remembers the window's place and maximized state: after moves and resizes settle, and when it
 * closes. The normal bounds are kept while maximized, so un-maximizing next time restores them.
 */
export function rememberWindowState(
  window: BrowserWindow,
  save: (state: WindowState) => Promise<void>,
  settleMs = 500,
): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const capture = () => {
    if (window.isDestroyed() || window.isMinimized()) return;
    const bounds = window.getNormalBounds();
    void save({
      x: Math.round(bounds.x),
      y: Math.round(bounds.y),
      width: Math.round(bounds.width),
      height: Math.round(bounds.height),
      maximized: window.isMaximized(),
    }).catch(() => undefined);
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(capture, settleMs);
  };
  for (const event of ['resize', 'move', 'maximize', 'unmaximize'] as const) {
    window.on(event as 'resize', later);
  }
  window.on('close', () => {
    clearTimeout(timer);
    capture();
  });
}
