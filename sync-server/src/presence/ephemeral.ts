import {
  EPHEMERAL_LIMITS,
  type PresenceEvent,
  type TypingAck,
  type TypingEvent,
  type TypingRequest,
} from '@anochat/schemas/rxdb/ephemeral';
import type { Server, Socket } from 'socket.io';
import type { Pool } from '../database/pool.ts';
import { isDeviceActive } from '../devices/device-repository.ts';
import type { Logger } from '../logging/logger.ts';
import type { Author } from '../replication/author.ts';
import { SyncError } from '../replication/transport/validation.ts';
import type { PresenceStore } from './presence.ts';

export const userRoom = (userId: string) => `user:${userId}`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `{ conversationId: <lower-case uuid>, typing: boolean }`, nothing else. */
export function parseTyping(payload: unknown): TypingRequest {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new SyncError('VALIDATION_FAILED', 'typing: payload must be an object');
  }
  const value = payload as Record<string, unknown>;
  for (const key of Object.keys(value)) {
    if (key !== 'conversationId' && key !== 'typing') {
      throw new SyncError('VALIDATION_FAILED', `typing: unknown field ${key}`);
    }
  }
  const { conversationId, typing } = value;
  if (typeof conversationId !== 'string' || !UUID.test(conversationId)) {
    throw new SyncError('VALIDATION_FAILED', 'typing: conversationId must be a lower-case uuid');
  }
  if (typeof typing !== 'boolean') {
    throw new SyncError('VALIDATION_FAILED', 'typing: typing must be a boolean');
  }
  return { conversationId, typing };
}

export interface Ephemeral {
  /** A socket joined: count it, announce the user if it is their first connection. */
  connected(socket: Socket, author: Author): void;
  /**
   * `userId` (online: it just wrote) changed a membership: someone may have become their contact
   * (a request accepted), so both sides are told who of the other is online now. Without this,
   * two people online as a request is accepted would see nothing until one of them reconnects.
   */
  membershipChanged(userId: string): void;
  /** Answers a `typing` event: relays it to the other current members, or throws a SyncError. */
  typing(socket: Socket, author: Author, payload: unknown): Promise<TypingAck>;
  /** Waits for presence work in flight (before the Redis clients close). */
  drain(): Promise<void>;
  close(): void;
}

/**
 * Typing indicators and presence: relayed to connected devices through socket.io rooms (so through
 * the Redis adapter when configured), never written to PostgreSQL.
 */
export function createEphemeral(options: {
  io: Server;
  pool: Pool;
  presence: PresenceStore;
  logger: Logger;
  /** How long a user without connections stays shown online (presence.ts says why). */
  offlineGraceMs: number;
}): Ephemeral {
  const { io, pool, presence, logger, offlineGraceMs } = options;
  /** This process's live sockets per user, re-asserted to the presence store before they expire. */
  const local = new Map<string, Set<string>>();
  const inFlight = new Set<Promise<unknown>>();
  /** Users whose last connection here dropped, with when: settled when their grace is over. */
  const goingOffline = new Map<
    string,
    { lastSeen: string; timer: ReturnType<typeof setTimeout> }
  >();
  let closing = false;
  const track = (work: Promise<unknown>) => {
    inFlight.add(work);
    work.finally(() => inFlight.delete(work)).catch(() => undefined);
  };

  const refresher =
    presence.refreshIntervalMs > 0
      ? setInterval(() => {
          presence
            .refresh(local)
            .catch((error: unknown) => logger.warn({ err: error }, 'presence refresh failed'));
        }, presence.refreshIntervalMs)
      : undefined;
  refresher?.unref();

  /**
   * Users who see `userId`'s presence, and whose presence `userId` sees: sharing a conversation in
   * which both are current members who accepted it (a message request shares no presence), and
   * neither blocks the other.
   */
  async function contactsOf(userId: string): Promise<string[]> {
    const { rows } = await pool.query<{ user_id: string }>(
      `SELECT DISTINCT other.user_id FROM members me
         JOIN members other ON other.conversation_id = me.conversation_id
        WHERE me.user_id = $1 AND me.removed_at IS NULL AND me.accepted_at IS NOT NULL
          AND other.removed_at IS NULL AND other.accepted_at IS NOT NULL AND other.user_id <> $1
          AND NOT EXISTS (SELECT 1 FROM blocks b
                           WHERE NOT b.deleted
                             AND ((b.user_id = $1 AND b.blocked_user_id = other.user_id)
                               OR (b.user_id = other.user_id AND b.blocked_user_id = $1)))`,
      [userId],
    );
    return rows.map((row) => row.user_id);
  }

  function announce(event: PresenceEvent, contacts: readonly string[]): void {
    if (contacts.length > 0) io.to(contacts.map(userRoom)).emit('presence', event);
  }

  function settle(userId: string, lastSeen: string): void {
    goingOffline.delete(userId);
    track(
      presence
        .settleOffline(userId)
        .then(async (gone) => {
          if (gone) announce({ userId, online: false, lastSeen }, await contactsOf(userId));
        })
        .catch((error: unknown) => logger.warn({ err: error }, 'presence offline failed')),
    );
  }

  /** Told only if they are not back once the grace is over (at once when this server stops). */
  function offlineAfterGrace(userId: string): void {
    const lastSeen = new Date().toISOString();
    clearTimeout(goingOffline.get(userId)?.timer);
    if (closing || offlineGraceMs === 0) {
      settle(userId, lastSeen);
      return;
    }
    const timer = setTimeout(() => settle(userId, lastSeen), offlineGraceMs);
    timer.unref();
    goingOffline.set(userId, { lastSeen, timer });
  }

  return {
    connected(socket, author) {
      const { userId } = author;
      const mine = local.get(userId) ?? new Set<string>();
      local.set(userId, mine);
      mine.add(socket.id);
      // Online, then (on disconnect) offline, in that order for this socket. The device also
      // learns which of its contacts are online now: later changes come as they happen.
      const joined = presence
        .add(userId, socket.id)
        .then(async (news) => {
          const contacts = await contactsOf(userId);
          if (news) announce({ userId, online: true }, contacts);
          const online = await presence.onlineAmong(contacts);
          for (const contact of online) socket.emit('presence', { userId: contact, online: true });
        })
        .catch((error: unknown) => logger.warn({ err: error }, 'presence online failed'));
      track(joined);
      socket.on('disconnect', () => {
        mine.delete(socket.id);
        if (mine.size === 0 && local.get(userId) === mine) local.delete(userId);
        const left = joined
          .then(() => presence.remove(userId, socket.id))
          .then((last) => {
            if (last) offlineAfterGrace(userId);
          })
          .catch((error: unknown) => logger.warn({ err: error }, 'presence offline failed'));
        track(left);
      });
    },

    membershipChanged(userId) {
      const told = contactsOf(userId)
        .then((contacts) => presence.onlineAmong(contacts))
        .then((online) => {
          if (online.size === 0) return;
          for (const contact of online) {
            io.to(userRoom(userId)).emit('presence', { userId: contact, online: true });
          }
          announce({ userId, online: true }, [...online]);
        })
        .catch((error: unknown) =>
          logger.warn({ err: error }, 'presence after a membership failed'),
        );
      track(told);
    },

    async typing(socket, author, payload) {
      const limit = rateWindow(socket);
      if (++limit.count > EPHEMERAL_LIMITS.typingPerSecond) {
        throw new SyncError(
          'RATE_LIMITED',
          `typing: at most ${EPHEMERAL_LIMITS.typingPerSecond} per second; this one was dropped`,
        );
      }
      const request = parseTyping(payload);
      if (!(await isDeviceActive(pool, author.userId, author.deviceId))) {
        throw new SyncError('UNAUTHENTICATED', 'this device was signed out');
      }
      // Current members who accepted, and whether each blocks the author.
      const { rows } = await pool.query<{ user_id: string; blocks_author: boolean }>(
        `SELECT m.user_id,
                EXISTS (SELECT 1 FROM blocks b WHERE b.user_id = m.user_id
                           AND b.blocked_user_id = $2 AND NOT b.deleted) AS blocks_author
           FROM members m
          WHERE m.conversation_id = $1 AND m.removed_at IS NULL AND m.accepted_at IS NOT NULL`,
        [request.conversationId, author.userId],
      );
      const members = rows.map((row) => row.user_id);
      if (!members.includes(author.userId)) {
        throw new SyncError(
          'NOT_MEMBER',
          'typing: you are not a member of this conversation (or have not accepted it)',
        );
      }
      const blocking = new Set(rows.filter((row) => row.blocks_author).map((row) => row.user_id));
      const others = members.filter((userId) => userId !== author.userId && !blocking.has(userId));
      if (others.length > 0) {
        const event: TypingEvent = {
          conversationId: request.conversationId,
          userId: author.userId,
          deviceId: author.deviceId,
          typing: request.typing,
        };
        io.to(others.map(userRoom)).emit('typing', event);
      }
      return { ok: true };
    },

    async drain() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },

    close() {
      closing = true;
      if (refresher) clearInterval(refresher);
      for (const [userId, { lastSeen, timer }] of goingOffline) {
        clearTimeout(timer);
        settle(userId, lastSeen);
      }
    },
  };
}

/** A fixed one-second window per socket, kept on the socket itself. */
function rateWindow(socket: Socket): { count: number } {
  const now = Date.now();
  const data = socket.data as { typingWindow?: { start: number; count: number } };
  if (!data.typingWindow || now - data.typingWindow.start >= 1000) {
    data.typingWindow = { start: now, count: 0 };
  }
  return data.typingWindow;
}
