import type { DeviceKeys } from '@anochat/protocol';
import type { SessionResponse } from '@anochat/schemas/api/auth';

/** What a client worker needs to act as a signed-in device (registered by the harness). */
export interface ClientSetup {
  index: number;
  /** This device's fault proxy. */
  serverUrl: string;
  username: string;
  session: SessionResponse;
  keys: DeviceKeys;
  identitySeed: Uint8Array;
  archiveKey: Uint8Array;
}

export type ClientRequest =
  | { op: 'openDirect'; peerUserId: string }
  | { op: 'createGroup'; title: string; memberUserIds: string[] }
  | { op: 'hasKeys'; conversationIds: string[] }
  | { op: 'acceptRequests'; conversationIds: string[] }
  | { op: 'send'; conversationId: string; text: string }
  | { op: 'snapshot' }
  | { op: 'stop' };

/** What a device's store holds, and when each message reached it. */
export interface ClientSnapshot {
  messages: { id: string; conversationId: string; rev: string | null }[];
  views: { id: string; kind: string; text: string; sortKey: string; synced: boolean }[];
  failures: string[];
  /** [message id, ms since 1970] when it first reached the store / first became readable. */
  stored: [string, number][];
  readable: [string, number][];
  /** The connection banner's state. */
  status: string;
  /** How often the sync connection came and went, and how long it was down in all. */
  link: { connects: number; disconnects: number; connectErrors: number; downMs: number };
  /** Warnings the app logged since the last snapshot (sync errors and the like). */
  warnings: string[];
}

export type WorkerMessage =
  | { kind: 'ready' }
  | { kind: 'answer'; id: number; result?: unknown; error?: string }
  | { kind: 'signed-out'; reason: string };
