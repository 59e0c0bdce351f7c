import type { Server as HttpServer } from 'node:http';
import {
  COLLECTIONS,
  type StreamEvent,
  SYNC_LIMITS,
  type SyncErrorAck,
} from '@anochat/schemas/rxdb/sync';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import { ACCESS_TOKEN_EXPIRED_MESSAGE, type AccessTokens } from '../auth/access-tokens.ts';
import type { Pool } from '../database/pool.ts';
import { isDeviceActive } from '../devices/device-repository.ts';
import type { Logger } from '../logging/logger.ts';
import { createEphemeral, userRoom } from './ephemeral.ts';
import type { SyncNotifier } from './notifier.ts';
import type { PresenceStore } from './presence.ts';
import type { Author } from './push-handlers.ts';
import type { SyncService } from './sync-service.ts';
import { parsePull, parsePush, SyncError } from './validation.ts';

export interface SyncSocketOptions {
  httpServer: HttpServer;
  pool: Pool;
  accessTokens: AccessTokens;
  service: SyncService;
  notifier: SyncNotifier;
  logger: Logger;
  maxPayloadBytes: number;
  /** The socket.io Redis adapter when REDIS_URL is set: room broadcasts reach every instance. */
  adapter?: ServerOptions['adapter'] | undefined;
  presence: PresenceStore;
}

export interface SyncSocketServer {
  /** Disconnects every socket of a device (revoked or signed out). */
  disconnectDevice(deviceId: string): void;
  /** Closes this instance's sockets (only its own) and waits for their presence updates. */
  close(): Promise<void>;
}

const deviceRoom = (deviceId: string) => `device:${deviceId}`;

/** setTimeout's ceiling (about 24.8 days); access tokens live minutes, but the config allows a day. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** An Error whose `message` and `data.code` a socket.io client sees in `connect_error`. */
function connectError(code: 'UNAUTHORIZED' | 'TOKEN_EXPIRED', message: string): Error {
  return Object.assign(new Error(code), { data: { code, message } });
}

/**
 * RxDB replication over socket.io, on the HTTP server's port: authenticates the handshake, answers
 * `pull` and `push` through their acks, and emits `stream` when commits concern the device.
 */
export function attachSyncSocket(options: SyncSocketOptions): SyncSocketServer {
  const { pool, accessTokens, service, notifier, logger } = options;
  const io = new Server(options.httpServer, {
    serveClient: false,
    maxHttpBufferSize: options.maxPayloadBytes,
    ...(options.adapter ? { adapter: options.adapter } : {}),
  });
  const ephemeral = createEphemeral({ io, pool, presence: options.presence, logger });

  io.use((socket, next) => {
    const token: unknown = socket.handshake.auth?.token;
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) {
      next(connectError('UNAUTHORIZED', 'auth.token must be an access token'));
      return;
    }
    let author: Author;
    let expiresAt: number;
    try {
      ({ expiresAt, ...author } = accessTokens.verify(token));
    } catch (error) {
      const expired = (error as Error).message === ACCESS_TOKEN_EXPIRED_MESSAGE;
      next(
        expired
          ? connectError('TOKEN_EXPIRED', 'access token expired: refresh it and reconnect')
          : connectError('UNAUTHORIZED', 'invalid access token'),
      );
      return;
    }
    isDeviceActive(pool, author.userId, author.deviceId).then(
      (active) => {
        if (!active) return next(connectError('UNAUTHORIZED', 'this device is signed out'));
        socket.data.author = author;
        socket.data.expiresAt = expiresAt;
        next();
      },
      (error: unknown) => {
        logger.error({ err: error }, 'socket authentication failed');
        next(connectError('UNAUTHORIZED', 'authentication is unavailable, retry later'));
      },
    );
  });

  io.on('connection', (socket: Socket) => {
    const author = socket.data.author as Author;
    endAtTokenExpiry(socket, socket.data.expiresAt as number);
    socket.join([userRoom(author.userId), deviceRoom(author.deviceId)]);
    // Whatever happened while disconnected: every collection pulls from its checkpoint.
    for (const collection of COLLECTIONS) {
      const event: StreamEvent = { collection, resync: true };
      socket.emit('stream', event);
    }
    handle(socket, 'pull', (payload) => service.pull(author, parsePull(payload)));
    handle(socket, 'push', (payload) => service.push(author, parsePush(payload)));
    handle(socket, 'typing', (payload) => ephemeral.typing(socket, author, payload));
    ephemeral.connected(socket, author);
    socket.onAny((event: unknown, ...args: unknown[]) => {
      if (event === 'pull' || event === 'push' || event === 'typing') return;
      const ack = args.at(-1);
      if (typeof ack === 'function') {
        ack({
          error: { code: 'VALIDATION_FAILED', message: 'unknown event (pull, push or typing)' },
        });
      }
    });
  });

  /**
   * A connection lives no longer than the token that opened it: at expiry the device is told
   * (`session_expired`, code TOKEN_EXPIRED) and disconnected, so it refreshes and reconnects.
   */
  function endAtTokenExpiry(socket: Socket, expiresAtSeconds: number) {
    const delay = Math.min(Math.max(0, expiresAtSeconds * 1000 - Date.now()), MAX_TIMER_MS);
    const timer = setTimeout(() => {
      socket.emit('session_expired', {
        code: 'TOKEN_EXPIRED',
        message: 'access token expired: refresh it and reconnect',
      });
      socket.disconnect(true);
    }, delay);
    socket.once('disconnect', () => clearTimeout(timer));
  }

  function handle(socket: Socket, event: string, work: (payload: unknown) => Promise<unknown>) {
    socket.on(event, (...args: unknown[]) => {
      const ack = args.at(-1);
      // Without an ack there is nobody to answer: the event is ignored.
      if (typeof ack !== 'function') return;
      const payload = args.length > 1 ? args[0] : undefined;
      // Through a promise, so a synchronous throw (validation) is answered like any failure.
      Promise.resolve(payload)
        .then(work)
        .then(
          (result) => ack(result),
          (error: unknown) => {
            if (error instanceof SyncError) {
              const body: SyncErrorAck = { error: { code: error.code, message: error.message } };
              ack(body);
              if (error.code === 'UNAUTHENTICATED') socket.disconnect(true);
              return;
            }
            logger.error({ err: error, event }, 'sync event failed');
            const body: SyncErrorAck = {
              error: {
                code: 'INTERNAL',
                message: 'server fault; nothing was written, retry later',
              },
            };
            ack(body);
          },
        );
    });
  }

  // Commits of this process: the room broadcast goes through the adapter, so with Redis the devices
  // connected to any instance get the poke (each commit is published once, by its own instance).
  const unsubscribe = notifier.subscribe((notice) => {
    for (const userId of new Set(notice.userIds)) {
      for (const collection of new Set(notice.collections)) {
        const event: StreamEvent = { collection, resync: true };
        io.to(userRoom(userId)).emit('stream', event);
      }
    }
  });

  return {
    disconnectDevice(deviceId) {
      // Through the adapter: the device's sockets on every instance.
      io.in(deviceRoom(deviceId)).disconnectSockets(true);
    },
    async close() {
      unsubscribe();
      ephemeral.close();
      // `local`: with the Redis adapter, a plain disconnectSockets would close every instance's sockets.
      io.local.disconnectSockets(true);
      io.engine.close();
      await ephemeral.drain();
    },
  };
}

export const DEFAULT_MAX_PAYLOAD_BYTES = SYNC_LIMITS.maxPayloadBytes;
