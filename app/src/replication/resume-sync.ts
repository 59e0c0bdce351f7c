import type { AppLifecycle, Unsubscribe } from '../platform/platform.ts';

/** Longer than this in the background, and the socket is not trusted to be alive. */
export const STALE_SOCKET_AFTER_MS = 10_000;

/**
 * A phone freezes a backgrounded app: its socket can die (a train tunnel, the OS reclaiming it)
 * without a close, and socket.io would notice only at its next ping, up to 45 s later. So on every
 * return to the foreground sync pulls what it missed, and after a longer absence it also drops the
 * socket and connects again at once.
 */
export function startResumeSync(options: {
  lifecycle: AppLifecycle;
  reconnect(): void;
  pull(): void;
  now?: () => number;
  staleAfterMs?: number;
}): Unsubscribe {
  const now = options.now ?? Date.now;
  const staleAfterMs = options.staleAfterMs ?? STALE_SOCKET_AFTER_MS;
  let backgroundSince: number | null = options.lifecycle.state() === 'background' ? now() : null;
  return options.lifecycle.subscribe((state) => {
    if (state === 'background') {
      backgroundSince ??= now();
      return;
    }
    if (backgroundSince === null) return;
    const away = now() - backgroundSince;
    backgroundSince = null;
    if (away >= staleAfterMs) options.reconnect();
    options.pull();
  });
}
