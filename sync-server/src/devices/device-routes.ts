import {
  type DeviceListResponse,
  renameDeviceRequest,
  revokeDeviceRequest,
} from '@anochat/schemas/api/devices';
import { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import { authOf } from '../auth/require-auth.ts';
import type { Pool } from '../database/pool.ts';
import { AppError } from '../errors/app-error.ts';
import { parseBody } from '../http/parse-body.ts';
import {
  lastActivityOfDevices,
  listDevicesOfUser,
  renameDeviceOfUser,
} from './device-repository.ts';
import type { DeviceStatements } from './device-statements.ts';
import { revokeDeviceAndTokens } from './revoke-device.ts';

const deviceId = z.uuid();

export function deviceRoutes(deps: {
  pool: Pool;
  deviceStatements: DeviceStatements;
  authenticated: RequestHandler;
  /** Called after a device was revoked, e.g. to close its sync connections. */
  onDeviceRevoked?: (userId: string, deviceId: string) => void;
}): Router {
  const { pool, authenticated } = deps;
  const router = Router();

  router.get('/api/devices', authenticated, async (_request, response) => {
    const { userId, deviceId: current } = authOf(response);
    const devices = await listDevicesOfUser(pool, userId);
    const activity = await lastActivityOfDevices(pool, userId);
    const body: DeviceListResponse = {
      devices: devices.map((device) => ({
        ...device,
        current: device.id === current,
        lastActiveAt: activity.get(device.id) ?? null,
      })),
    };
    response.json(body);
  });

  router.delete('/api/devices/:id', authenticated, async (request, response) => {
    const { userId } = authOf(response);
    // A malformed id, someone else's device and no device at all look the same: 404.
    const id = deviceId.safeParse(request.params.id);
    if (!id.success) throw new AppError('NOT_FOUND', 'no such device');
    const { revocation } = parseBody(revokeDeviceRequest, request);
    const revoked = await revokeDeviceAndTokens(pool, deps.deviceStatements, {
      userId,
      deviceId: id.data,
      revocation: Buffer.from(revocation, 'base64'),
    });
    if (!revoked) throw new AppError('NOT_FOUND', 'no such device');
    deps.onDeviceRevoked?.(userId, id.data);
    response.status(204).end();
  });

  router.patch('/api/devices/:id', authenticated, async (request, response) => {
    const { userId } = authOf(response);
    const id = deviceId.safeParse(request.params.id);
    if (!id.success) throw new AppError('NOT_FOUND', 'no such device');
    const { name } = parseBody(renameDeviceRequest, request);
    // Someone else's device, a revoked one and no device at all look the same: 404.
    if (!(await renameDeviceOfUser(pool, userId, id.data, name))) {
      throw new AppError('NOT_FOUND', 'no such device');
    }
    response.status(204).end();
  });

  return router;
}
