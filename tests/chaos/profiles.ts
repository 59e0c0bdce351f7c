import type { ChaosProfile } from './schedule.ts';

/** Every fault kind, 3-6 devices, direct and group chats, some writing while cut off. */
export const FAULTS_PROFILE: ChaosProfile = {
  name: 'faults',
  clients: [3, 6],
  activeMs: 25_000,
  messagesPerClient: [6, 14],
  link: null,
  faults: {
    proxy: [3, 7],
    offline: [1, 3],
    serverKill: [0, 2],
    postgresRestart: [0, 1],
    postgresOutage: [0, 1],
  },
  settleMs: 60_000,
};

/** The same mix, shorter and with fewer devices: what `npm test` runs. */
export const QUICK_PROFILE: ChaosProfile = {
  name: 'quick',
  clients: [3, 4],
  activeMs: 12_000,
  messagesPerClient: [4, 8],
  link: null,
  faults: {
    proxy: [2, 4],
    offline: [1, 2],
    serverKill: [1, 1],
    postgresRestart: [0, 1],
    postgresOutage: [0, 1],
  },
  settleMs: 45_000,
};

/**
 * Delivery latency on a far, flaky link: 800 ms round trips, 5% of WebSocket frames cut the
 * connection, nothing else going wrong.
 */
export const LATENCY_PROFILE: ChaosProfile = {
  name: 'latency',
  clients: [4, 4],
  activeMs: 40_000,
  messagesPerClient: [15, 15],
  link: { latencyMs: 400, jitterMs: 0, bytesPerSecond: 0, frameCutProbability: 0.05 },
  faults: {
    proxy: [0, 0],
    offline: [0, 0],
    serverKill: [0, 0],
    postgresRestart: [0, 0],
    postgresOutage: [0, 0],
  },
  settleMs: 60_000,
};

/**
 * Instances killed while the devices' own links stay perfect: a device on the surviving instance
 * keeps its connection, so it sees only what that instance streams to it.
 */
export const KILLS_PROFILE: ChaosProfile = {
  name: 'kills',
  clients: [4, 6],
  activeMs: 20_000,
  messagesPerClient: [6, 12],
  link: { latencyMs: 0, jitterMs: 0, bytesPerSecond: 0, frameCutProbability: 0 },
  faults: {
    proxy: [0, 0],
    offline: [0, 0],
    serverKill: [2, 3],
    postgresRestart: [0, 0],
    postgresOutage: [0, 0],
  },
  settleMs: 30_000,
};

export const PROFILES: Record<string, ChaosProfile> = {
  faults: FAULTS_PROFILE,
  quick: QUICK_PROFILE,
  latency: LATENCY_PROFILE,
  kills: KILLS_PROFILE,
};
