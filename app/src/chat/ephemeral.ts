import type { PresenceEvent, TypingEvent } from '@anochat/schemas/rxdb/ephemeral';
import { reactive } from 'vue';
import type { SyncTransport } from '../replication/sync-transport.ts';

/** Forget a "typing" nobody repeated within this time (docs/protocol.md asks for ~10 s). */
const TYPING_EXPIRY_MS = 10_000;
/** While composing, say so again this often. */
const TYPING_REPEAT_MS = 3_000;
/** Stop saying so after this long without a keystroke. */
const TYPING_IDLE_MS = 5_000;

export interface Presence {
  online: boolean;
  lastSeen: string | null;
}

/**
 * Typing indicators and presence: events the server relays and never stores, kept in memory only
 * (they mean nothing after a reload).
 */
export function createEphemeralState(transport: SyncTransport, selfUserId: string) {
  const typing = reactive(new Map<string, Map<string, number>>());
  const presence = reactive(new Map<string, Presence>());
  const composing = new Map<string, { lastSent: number; idle: ReturnType<typeof setTimeout> }>();

  transport.socket.on('typing', (event: TypingEvent) => {
    if (event.userId === selfUserId) return;
    let users = typing.get(event.conversationId);
    if (users === undefined) {
      users = new Map();
      typing.set(event.conversationId, users);
    }
    if (event.typing) users.set(event.userId, Date.now() + TYPING_EXPIRY_MS);
    else users.delete(event.userId);
  });
  transport.socket.on('presence', (event: PresenceEvent) => {
    presence.set(event.userId, {
      online: event.online,
      lastSeen: event.online ? null : event.lastSeen,
    });
  });
  // Disconnected, this device no longer hears who goes offline: whom it saw online is unknown
  // until the next connection, whose first events say who is online then.
  transport.socket.on('disconnect', () => {
    for (const [userId, known] of presence) if (known.online) presence.delete(userId);
  });
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const users of typing.values()) {
      for (const [userId, expires] of users) if (expires < now) users.delete(userId);
    }
  }, 1_000);

  function stopComposing(conversationId: string): void {
    const state = composing.get(conversationId);
    if (state === undefined) return;
    clearTimeout(state.idle);
    composing.delete(conversationId);
    transport.emitIfConnected('typing', { conversationId, typing: false });
  }

  return {
    /** User ids typing in this conversation now. */
    typingIn(conversationId: string): string[] {
      return [...(typing.get(conversationId)?.keys() ?? [])];
    },
    presenceOf(userId: string): Presence | undefined {
      return presence.get(userId);
    },
    /** A keystroke in the composer. */
    composing(conversationId: string): void {
      const now = Date.now();
      const state = composing.get(conversationId);
      if (state !== undefined) clearTimeout(state.idle);
      const lastSent = state?.lastSent ?? 0;
      if (now - lastSent >= TYPING_REPEAT_MS) {
        transport.emitIfConnected('typing', { conversationId, typing: true });
      }
      composing.set(conversationId, {
        lastSent: now - lastSent >= TYPING_REPEAT_MS ? now : lastSent,
        idle: setTimeout(() => stopComposing(conversationId), TYPING_IDLE_MS),
      });
    },
    stopComposing,
    stop(): void {
      clearInterval(sweeper);
      for (const id of [...composing.keys()]) stopComposing(id);
    },
  };
}

export type EphemeralState = ReturnType<typeof createEphemeralState>;
