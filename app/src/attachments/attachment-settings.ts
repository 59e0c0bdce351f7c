import { deviceStorage } from '../settings/device-storage.ts';

/** When received attachments download by themselves (per device). */
export type AutoDownload = 'never' | 'small' | 'always';

const KEY = 'anochat-auto-download';
const LIMIT_KEY = 'anochat-attachment-cache-mib';
/** "Small": at most this many bytes, so a slow or metered link is not drained by videos. */
export const SMALL_FILE_BYTES = 1024 * 1024;
const DEFAULT_CACHE_MIB = 200;

export function autoDownload(): AutoDownload {
  const value = deviceStorage()?.getItem(KEY);
  return value === 'never' || value === 'always' ? value : 'small';
}

export function setAutoDownload(value: AutoDownload): void {
  deviceStorage()?.setItem(KEY, value);
}

export function downloadsAutomatically(size: number, setting = autoDownload()): boolean {
  return setting === 'always' || (setting === 'small' && size <= SMALL_FILE_BYTES);
}

/** How much downloaded files may take on this device before the least recently used go. */
export function cacheLimitBytes(): number {
  const value = Number(deviceStorage()?.getItem(LIMIT_KEY));
  return (Number.isFinite(value) && value > 0 ? value : DEFAULT_CACHE_MIB) * 1024 * 1024;
}

export function setCacheLimitMib(mib: number): void {
  deviceStorage()?.setItem(LIMIT_KEY, String(mib));
}
