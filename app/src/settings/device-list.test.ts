// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { arrangeDevices, deviceNameProblem, lastActivityLabel } from './device-list.ts';

const device = (
  id: string,
  createdAt: string,
  current = false,
  revokedAt: string | null = null,
  lastActiveAt: string | null = null,
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
  lastActiveAt,
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

describe('renaming and last activity', () => {
  it('refuses a blank or too long name and accepts one that fits once trimmed', () => {
    expect(deviceNameProblem('   ')).toMatch(/Give the device a name/);
    expect(deviceNameProblem('x'.repeat(65))).toMatch(/at most 64/);
    expect(deviceNameProblem(`  ${'x'.repeat(64)}  `)).toBeNull();
  });

  it('says this device is active now, and how long ago another one was', () => {
    const now = new Date('2026-05-01T12:00:00.000Z');
    expect(lastActivityLabel(device('this', '2026-01-01T00:00:00.000Z', true), now)).toBe(
      'Active now (this device)',
    );
    const at = (lastActiveAt: string | null) =>
      lastActivityLabel(
        device('other', '2026-01-01T00:00:00.000Z', false, null, lastActiveAt),
        now,
      );
    expect(at('2026-05-01T11:59:30.000Z')).toBe('Active just now');
    expect(at('2026-05-01T11:48:00.000Z')).toBe('Active 12 min ago');
    expect(at('2026-04-30T09:00:00.000Z')).toMatch(/^Last active /);
    expect(at(null)).toBe('No activity recorded');
  });
});
