/** When received attachments download by themselves (per device). */
export type AutoDownload = 'never' | 'small' | 'always';

const KEY = 'anochat-auto-download';
const LIMIT_KEY = 'anochat-attachment-cache-mib';
/** "Small": at most this many bytes, so a slow or metered link is not drained by videos. */
export const SMALL_FILE_BYTES = 1024 * 1024;
const DEFAULT_CACHE_MIB = 200;

/** The browser's storage where there is one (the account code also runs in Node, without it). */
const storage = () =>
  (
    globalThis as {
      localStorage?: {
        getItem(key: string): string | null;
        setItem(key: string, value: string): void;
      };
    }
  ).localStorage;

export function autoDownload(): AutoDownload {
  const value = storage()?.getItem(KEY);
  return value === 'never' || value === 'always' ? value : 'small';
}

export function setAutoDownload(value: AutoDownload): void {
  storage()?.setItem(KEY, value);
}

export function downloadsAutomatically(size: number, setting = autoDownload()): boolean {
  return setting === 'always' || (setting === 'small' && size <= SMALL_FILE_BYTES);
}

/** How much downloaded files may take on this device before the least recently used go. */
export function cacheLimitBytes(): number {
  const value = Number(storage()?.getItem(LIMIT_KEY));
  return (Number.isFinite(value) && value > 0 ? value : DEFAULT_CACHE_MIB) * 1024 * 1024;
}

export function setCacheLimitMib(mib: number): void {
  storage()?.setItem(LIMIT_KEY, String(mib));
}
