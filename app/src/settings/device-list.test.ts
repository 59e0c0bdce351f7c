// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { arrangeDevices } from './device-list.ts';

const device = (
  id: string,
  createdAt: string,
  current = false,
  revokedAt: string | null = null,
) => ({
  id,
  name: 'Chrome on Linux',
  boxPublicKey: 'b',
  signPublicKey: 's',
  createdAt,
  revokedAt,
  certificate: null,
  revocation: null,
  current,
});

describe('the device list', () => {
  it('shows this device first, then the other working ones newest first, and revoked ones apart', () => {
    const { active, revoked } = arrangeDevices([
      device('old', '2026-01-01T00:00:00.000Z'),
      device('gone-early', '2026-01-02T00:00:00.000Z', false, '2026-02-01T00:00:00.000Z'),
      device('this', '2026-01-03T00:00:00.000Z', true),
      device('new', '2026-03-01T00:00:00.000Z'),
      device('gone-late', '2026-01-04T00:00:00.000Z', false, '2026-04-01T00:00:00.000Z'),
    ]);
    expect(active.map((d) => d.id)).toEqual(['this', 'new', 'old']);
    expect(revoked.map((d) => d.id)).toEqual(['gone-late', 'gone-early']);
  });
});
