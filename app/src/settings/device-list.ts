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
