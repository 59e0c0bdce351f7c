/**
 * Ephemeral socket.io events (see docs/protocol.md, "Ephemeral events"): typing indicators and
 * presence. The server relays them between connected devices and never stores them.
 */

/** Client -> server (with an ack): "I am (or stopped) typing in this conversation". */
export interface TypingRequest {
  conversationId: string;
  typing: boolean;
}

/** Server -> the devices of the conversation's other current members. */
export interface TypingEvent {
  conversationId: string;
  userId: string;
  deviceId: string;
  typing: boolean;
}

/** Ack of an accepted `typing`; a refused one answers `SyncErrorAck`. */
export interface TypingAck {
  ok: true;
}

/**
 * Server -> the user's contacts (users sharing a current conversation): their first connection
 * came up (`online: true`), or their last one went away (`online: false`, `lastSeen` ISO 8601).
 */
export type PresenceEvent =
  | { userId: string; online: true }
  | { userId: string; online: false; lastSeen: string };

export const EPHEMERAL_LIMITS = {
  /** `typing` events per socket per second; more are refused with RATE_LIMITED. */
  typingPerSecond: 5,
} as const;
