import { z } from 'zod';
import { deviceRevocation } from '../e2e/records.ts';
import { deviceView } from './auth.ts';

/** Revoking a device (or signing this one out) carries the identity key's signed statement. */
export const revokeDeviceRequest = z.strictObject({ revocation: deviceRevocation });
export type RevokeDeviceRequest = z.infer<typeof revokeDeviceRequest>;

export const deviceListResponse = z.object({
  devices: z.array(deviceView.extend({ current: z.boolean() })),
});
export type DeviceListResponse = z.infer<typeof deviceListResponse>;
