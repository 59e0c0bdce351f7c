import type { DeviceListResponse } from '@anochat/schemas/api/devices';

type Device = DeviceListResponse['devices'][number];

/**
 * The device list as Settings shows it: this device first, then the other working devices,
 * newest first; revoked devices apart (they are history, shown behind a disclosure).
 */
export function arrangeDevices(devices: readonly Device[]): {
  active: Device[];
  revoked: Device[];
} {
  const newestFirst = (a: Device, b: Device) => b.createdAt.localeCompare(a.createdAt);
  const active = devices
    .filter((device) => device.revokedAt === null)
    .sort((a, b) => Number(b.current) - Number(a.current) || newestFirst(a, b));
  const revoked = devices
    .filter((device) => device.revokedAt !== null)
    .sort((a, b) => (b.revokedAt ?? '').localeCompare(a.revokedAt ?? ''));
  return { active, revoked };
}

/** Why this new device name is refused, or null; the name sent is the trimmed one. */
export function deviceNameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'Give the device a name.';
  if (trimmed.length > 64) return 'A device name has at most 64 characters.';
  return null;
}

/**
 * What the list says about a device's last activity: this device is in use now; another one last
 * signed in or renewed its session at `lastActiveAt` (a device in use renews every few minutes).
 */
export function lastActivityLabel(device: Device, now = new Date()): string {
  if (device.current) return 'Active now (this device)';
  if (device.lastActiveAt === null) return 'No activity recorded';
  const minutes = Math.floor((now.getTime() - Date.parse(device.lastActiveAt)) / 60_000);
  if (minutes < 1) return 'Active just now';
  if (minutes < 60) return `Active ${minutes} min ago`;
  return `Last active ${new Date(device.lastActiveAt).toLocaleString()}`;
}
