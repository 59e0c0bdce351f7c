import { EPOCH_MAX_AGE_MS, EPOCH_MAX_MESSAGES } from '@anochat/schemas/e2e/limits';
import { describe, expect, it } from 'vitest';
import { type EpochFacts, epochStateOf, rotationDelayMs, rotationDue } from './epoch-rotation.ts';

const STARTED = Date.parse('2026-03-01T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function facts(patch: Partial<EpochFacts> = {}, status: Partial<EpochFacts['status']> = {}) {
  return {
    status: { epoch: 4, startedAt: STARTED, rotating: false, ...status },
    messagesInEpoch: 10,
    removals: [],
    revocations: [],
    now: STARTED + 60_000,
    ...patch,
  };
}

describe('when a conversation needs a new epoch', () => {
  it('not while the epoch is young, short and nobody left', () => {
    expect(rotationDue(facts())).toBe(false);
  });

  it('after 7 days or 1,000 messages, whichever comes first', () => {
    expect(rotationDue(facts({ now: STARTED + EPOCH_MAX_AGE_MS - 1 }))).toBe(false);
    expect(rotationDue(facts({ now: STARTED + EPOCH_MAX_AGE_MS }))).toBe(true);
    expect(rotationDue(facts({ messagesInEpoch: EPOCH_MAX_MESSAGES - 1 }))).toBe(false);
    expect(rotationDue(facts({ messagesInEpoch: EPOCH_MAX_MESSAGES }))).toBe(true);
  });

  it('after a removal or a revocation since the epoch began, not one before it', () => {
    const earlier = iso(STARTED - 1_000);
    const later = iso(STARTED + 1_000);
    expect(rotationDue(facts({ removals: [earlier, null] }))).toBe(false);
    expect(rotationDue(facts({ removals: [earlier, later] }))).toBe(true);
    expect(epochStateOf(facts({ removals: [later] })).membershipChanged).toBe(true);
    expect(rotationDue(facts({ revocations: [null, earlier] }))).toBe(false);
    expect(rotationDue(facts({ revocations: [null, later] }))).toBe(true);
    expect(epochStateOf(facts({ revocations: [later] })).deviceRevoked).toBe(true);
  });

  it('an epoch whose start the server has not told yet counts as just begun', () => {
    const unknown = facts(
      { now: STARTED + 10 * EPOCH_MAX_AGE_MS, removals: [iso(STARTED)] },
      { startedAt: null },
    );
    expect(epochStateOf(unknown)).toMatchObject({
      membershipChanged: false,
      deviceRevoked: false,
    });
    expect(rotationDue(unknown)).toBe(false);
    expect(rotationDue({ ...unknown, messagesInEpoch: EPOCH_MAX_MESSAGES })).toBe(true);
  });

  it('not again while this device’s own new epoch waits for the server or for the winner', () => {
    expect(rotationDue(facts({ messagesInEpoch: EPOCH_MAX_MESSAGES }, { rotating: true }))).toBe(
      false,
    );
  });
});

describe('who starts an epoch nobody is writing in', () => {
  const devices = ['c0', 'a0', 'b0', 'a0'];

  it('the member devices take turns in id order, so the first one usually is alone', () => {
    expect(rotationDelayMs('a0', devices, 1_000)).toBe(0);
    expect(rotationDelayMs('b0', devices, 1_000)).toBe(1_000);
    expect(rotationDelayMs('c0', devices, 1_000)).toBe(2_000);
  });

  it('a device the others do not count goes last', () => {
    expect(rotationDelayMs('zz', devices, 1_000)).toBe(3_000);
  });
});
