import { z } from 'zod';
import { deviceRevocation } from '../e2e/records.ts';
import { deviceView } from './auth.ts';

/** Revoking a device (or signing this one out) carries the identity key's signed statement. */
export const revokeDeviceRequest = z.strictObject({ revocation: deviceRevocation });
export type RevokeDeviceRequest = z.infer<typeof revokeDeviceRequest>;

/** A device's new name: what its owner recognises it by in the device list. */
export const renameDeviceRequest = z.strictObject({ name: z.string().trim().min(1).max(64) });
export type RenameDeviceRequest = z.infer<typeof renameDeviceRequest>;

export const deviceListResponse = z.object({
  devices: z.array(
    deviceView.extend({
      current: z.boolean(),
      /**
       * When the device last signed in or renewed its session (its newest refresh token), a
       * device in use does that at least every access token's lifetime; null when unknown.
       */
      lastActiveAt: z.iso.datetime().nullable(),
    }),
  ),
});
export type DeviceListResponse = z.infer<typeof deviceListResponse>;
