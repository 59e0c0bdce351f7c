import { z } from 'zod';
import { deviceView } from './auth.ts';

export const deviceListResponse = z.object({
  devices: z.array(deviceView.extend({ current: z.boolean() })),
});
export type DeviceListResponse = z.infer<typeof deviceListResponse>;
