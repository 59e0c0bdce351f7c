import { describe, expect, it } from 'vitest';
import { isMutedAt, MUTE_CHOICES, muteEnd, muteLabel } from './mutes.ts';

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);

describe('a mute', () => {
  it('ends an hour, eight hours or a week from now, or never', () => {
    expect(MUTE_CHOICES.map((choice) => muteEnd(choice.key, NOW))).toEqual([
      '2026-06-01T13:00:00.000Z',
      '2026-06-01T20:00:00.000Z',
      '2026-06-08T12:00:00.000Z',
      null,
    ]);
  });

  it('holds before its end and not from then on; one without an end holds until unmuted', () => {
    const until = '2026-06-01T13:00:00.000Z';
    expect(isMutedAt({ until }, NOW)).toBe(true);
    expect(isMutedAt({ until }, Date.parse(until))).toBe(false);
    expect(isMutedAt({ until: null }, NOW + 10 * 365 * 86_400_000)).toBe(true);
    expect(isMutedAt(undefined, NOW)).toBe(false);
  });

  it('says until when it holds', () => {
    expect(muteLabel({ until: null }, NOW)).toBe('Muted');
    expect(muteLabel({ until: '2026-06-01T13:00:00.000Z' }, NOW)).toMatch(/^Muted until .*\d/);
  });
});
