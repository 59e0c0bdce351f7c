import type { Server as HttpServer } from 'node:http';
import { type StreamEvent, SYNC_LIMITS, type SyncErrorAck } from '@anochat/schemas/rxdb/sync';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import { ACCESS_TOKEN_EXPIRED_MESSAGE, type AccessTokens } from '../auth/access-tokens.ts';
import type { Pool } from '../database/pool.ts';
import { isDeviceActive } from '../devices/device-repository.ts';
import type { Logger } from '../logging/logger.ts';
import { createEphemeral, userRoom } from './ephemeral.ts';
import type { StreamSubscriber } from './live-stream.ts';
import type { ChangeNotice, SyncNotifier } from './notifier.ts';
import type { PresenceStore } from './presence.ts';
import type { Author } from './push/types.ts';
import type { SyncService } from './sync-service.ts';
import { type ParsedPull, parsePull, parsePush, SyncError } from './validation.ts';

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
/** The inter-instance event carrying a ChangeNotice (socket.io serverSideEmit, Redis adapter). */
const NOTICE_EVENT = 'anochat:change-notice';

/** setTimeout's ceiling (about 24.8 days); access tokens live minutes, but the config allows a day. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** An Error whose `message` and `data.code` a socket.io client sees in `connect_error`. */
function connectError(code: 'UNAUTHORIZED' | 'TOKEN_EXPIRED', message: string): Error {
  return Object.assign(new Error(code), { data: { code, message } });
}

/**
 * RxDB replication over socket.io, on the HTTP server's port: authenticates the handshake, answers
 * `pull` and `push` through their acks, and attaches each socket to the service's live stream,
 * which emits `stream` events to it.
 */
export function attachSyncSocket(options: SyncSocketOptions): SyncSocketServer {
  const { pool, accessTokens, service, notifier, logger } = options;
  const io = new Server(options.httpServer, {
    serveClient: false,
    maxHttpBufferSize: options.maxPayloadBytes,
    ...(options.adapter ? { adapter: options.adapter } : {}),
  });
  // Long-polling answers (engine.io already makes them no-store) are never to be sniffed.
  io.engine.on('headers', (headers: Record<string, string>) => {
    headers['X-Content-Type-Options'] = 'nosniff';
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
    const subscriber: StreamSubscriber = {
      ...author,
      send: (event: StreamEvent) => socket.emit('stream', event),
    };
    socket.once('disconnect', service.live.attach(subscriber));
    handlePull(socket, subscriber);
    handle(socket, 'push', (payload) => service.push(author, parsePush(payload, author.deviceId)));
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
      const last = args.at(-1);
      // Without an ack there is nobody to answer: the event is ignored.
      if (typeof last !== 'function') return;
      const ack = last as (body: unknown) => void;
      const payload = args.length > 1 ? args[0] : undefined;
      // Through a promise, so a synchronous throw (validation) is answered like any failure.
      Promise.resolve(payload)
        .then(work)
        .then(
          (result) => ack(result),
          (error: unknown) => answerError(socket, event, ack, error),
        );
    });
  }

  function answerError(
    socket: Socket,
    event: string,
    ack: (body: unknown) => void,
    error: unknown,
  ) {
    if (error instanceof SyncError) {
      const body: SyncErrorAck = { error: { code: error.code, message: error.message } };
      ack(body);
      if (error.code === 'UNAUTHENTICATED') socket.disconnect(true);
      return;
    }
    logger.error({ err: error, event }, 'sync event failed');
    const body: SyncErrorAck = {
      error: { code: 'INTERNAL', message: 'server fault; nothing was written, retry later' },
    };
    ack(body);
  }

  /** Like `handle`, and the live stream learns of the pull before it runs and after its answer. */
  function handlePull(socket: Socket, subscriber: StreamSubscriber) {
    socket.on('pull', (...args: unknown[]) => {
      const last = args.at(-1);
      if (typeof last !== 'function') return;
      const ack = last as (body: unknown) => void;
      let request: ParsedPull;
      try {
        request = parsePull(args.length > 1 ? args[0] : undefined);
      } catch (error) {
        answerError(socket, 'pull', ack, error);
        return;
      }
      const { collection, batchSize } = request;
      service.live.pullStarted(subscriber, collection);
      service.pull(socket.data.author as Author, request).then(
        (result) => {
          ack(result.response);
          service.live.pullFinished(subscriber, collection, batchSize, result);
        },
        (error: unknown) => {
          answerError(socket, 'pull', ack, error);
          service.live.pullFinished(subscriber, collection, batchSize, null);
        },
      );
    });
  }

  // Commits of this process go to its own live stream and, through the adapter, to every other
  // instance's, each of which serves the devices connected to it (each commit is published once,
  // by its own instance).
  const unsubscribe = notifier.subscribe((notice) => {
    service.live.notify(notice);
    if (options.adapter) io.serverSideEmit(NOTICE_EVENT, notice);
  });
  io.on(NOTICE_EVENT, (notice: ChangeNotice) => service.live.notify(notice));

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
