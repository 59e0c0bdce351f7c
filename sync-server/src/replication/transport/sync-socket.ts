import type { Server as HttpServer } from 'node:http';
import {
  type ConnectErrorCode,
  type PullsResponse,
  type PushesResponse,
  type StreamEvent,
  SYNC_LIMITS,
  type SyncErrorAck,
} from '@anochat/schemas/rxdb/sync';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import { ACCESS_TOKEN_EXPIRED_MESSAGE, type AccessTokens } from '../../auth/access-tokens.ts';
import type { Pool } from '../../database/pool.ts';
import { isDeviceActive } from '../../devices/device-repository.ts';
import { isBackingServiceDown } from '../../errors/unavailable.ts';
import type { Logger } from '../../logging/logger.ts';
import { createEphemeral, userRoom } from '../../presence/ephemeral.ts';
import type { PresenceStore } from '../../presence/presence.ts';
import type { Author } from '../author.ts';
import type { StreamSubscriber } from '../live/live-stream.ts';
import type { SyncNotifier } from '../live/notifier.ts';
import type { SyncService } from '../sync-service.ts';
import type { FairScheduler } from './fair-scheduler.ts';
import {
  handshakePushList,
  type ParsedPull,
  parsePull,
  parsePulls,
  parsePush,
  SyncError,
} from './validation.ts';

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
  /** How long a user whose last connection dropped is still shown online (presence.ts). */
  presenceOfflineGraceMs: number;
  limits: {
    maxInFlightPerSocket: number;
    maxConnectionsPerDevice: number;
    maxConnectionsPerUser: number;
  };
  /** Pulls and pushes take turns per user for the database (fair-scheduler.ts). */
  scheduler: FairScheduler;
}

export interface SyncSocketServer {
  /** Disconnects every socket of a device (revoked or signed out). */
  disconnectDevice(deviceId: string): void;
  /** Closes this instance's sockets (only its own) and waits for their presence updates. */
  close(): Promise<void>;
}

const deviceRoom = (deviceId: string) => `device:${deviceId}`;

/** socket.io's heartbeat (docs/protocol.md, "Connection"). */
export const HEARTBEAT = { intervalMs: 10_000, timeoutMs: 8_000 };

/** The events a device may send (anything else is answered VALIDATION_FAILED). */
const KNOWN_EVENTS: readonly string[] = ['pull', 'pulls', 'push', 'typing'];

/** The device was revoked or signed out meanwhile: its connection ends after the answer. */
function isSignedOut(outcome: PromiseSettledResult<unknown>): boolean {
  return (
    outcome.status === 'rejected' &&
    outcome.reason instanceof SyncError &&
    outcome.reason.code === 'UNAUTHENTICATED'
  );
}

/** setTimeout's ceiling (about 24.8 days); access tokens live minutes, but the config allows a day. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** An Error whose `message` and `data.code` a socket.io client sees in `connect_error`. */
function connectError(code: ConnectErrorCode, message: string): Error {
  return Object.assign(new Error(code), { data: { code, message } });
}

/**
 * RxDB replication over socket.io, on the HTTP server's port: authenticates the handshake, answers
 * `pull` and `push` through their acks, and attaches each socket to the service's live stream,
 * which emits `stream` events to it.
 */
export function attachSyncSocket(options: SyncSocketOptions): SyncSocketServer {
  const { pool, accessTokens, service, notifier, logger, limits, scheduler } = options;
  /** Live (or being admitted) sockets of this instance, per device and per user. */
  const connections = { device: new Map<string, number>(), user: new Map<string, number>() };
  const change = (map: Map<string, number>, key: string, by: number) => {
    const next = (map.get(key) ?? 0) + by;
    if (next > 0) map.set(key, next);
    else map.delete(key);
  };

  /**
   * Counts a socket against its device's and user's budgets, or refuses it. Counted from the
   * handshake (so 150 sockets opened at once cannot all slip in) until its connection closes,
   * whether or not the handshake completed.
   */
  function admit(socket: Socket, author: Author): boolean {
    if (
      (connections.device.get(author.deviceId) ?? 0) >= limits.maxConnectionsPerDevice ||
      (connections.user.get(author.userId) ?? 0) >= limits.maxConnectionsPerUser
    ) {
      return false;
    }
    change(connections.device, author.deviceId, 1);
    change(connections.user, author.userId, 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      change(connections.device, author.deviceId, -1);
      change(connections.user, author.userId, -1);
    };
    socket.conn.once('close', release);
    socket.once('disconnect', release);
    return true;
  }
  const io = new Server(options.httpServer, {
    serveClient: false,
    // A route that dies silently (a mobile network switch, a lost NAT mapping) is noticed by the
    // heartbeat alone: both ends give up after pingInterval + pingTimeout (18 s, not socket.io's 45 s).
    pingInterval: HEARTBEAT.intervalMs,
    pingTimeout: HEARTBEAT.timeoutMs,
    maxHttpBufferSize: options.maxPayloadBytes,
    ...(options.adapter ? { adapter: options.adapter } : {}),
  });
  // Long-polling answers (engine.io already makes them no-store) are never to be sniffed.
  io.engine.on('headers', (headers: Record<string, string>) => {
    headers['X-Content-Type-Options'] = 'nosniff';
  });
  const ephemeral = createEphemeral({
    io,
    pool,
    presence: options.presence,
    logger,
    offlineGraceMs: options.presenceOfflineGraceMs,
  });

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
        if (!admit(socket, author)) {
          return next(
            connectError(
              'TOO_MANY_CONNECTIONS',
              `at most ${limits.maxConnectionsPerDevice} connections per device and ${limits.maxConnectionsPerUser} per user: close one first`,
            ),
          );
        }
        socket.data.author = author;
        socket.data.expiresAt = expiresAt;
        next();
      },
      (error: unknown) => {
        // The device could not be checked: that says nothing about the device. A sign-out answer
        // here would end the session of every device that connects during a database outage.
        logger.warn({ err: error }, 'socket handshake could not check the device');
        next(connectError('NOT_READY', 'the server cannot check this device now; reconnect later'));
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
    // A client that pulls every collection as it connects needs no RESYNC to start.
    const pullsOnConnect = socket.handshake.auth?.pullsOnConnect === true;
    socket.once('disconnect', service.live.attach(subscriber, { resync: !pullsOnConnect }));
    const handshakePulls: unknown = socket.handshake.auth?.pulls;
    if (handshakePulls !== undefined) pullAtConnect(socket, subscriber, handshakePulls);
    const handshakePushes: unknown = socket.handshake.auth?.pushes;
    if (handshakePushes !== undefined) pushAtConnect(socket, author, handshakePushes);
    handlePull(socket, subscriber);
    handlePulls(socket, subscriber);
    handle(socket, 'push', async (payload) => {
      const request = parsePush(payload, author.deviceId);
      const response = await scheduler.run(author.userId, () => service.push(author, request));
      if (request.collection === 'members' && response.rejected.length < request.rows.length) {
        ephemeral.membershipChanged(author.userId);
      }
      return response;
    });
    handle(socket, 'typing', (payload) => ephemeral.typing(socket, author, payload));
    ephemeral.connected(socket, author);
    socket.onAny((event: unknown, ...args: unknown[]) => {
      if (KNOWN_EVENTS.includes(event as string)) return;
      const ack = args.at(-1);
      if (typeof ack === 'function') {
        ack({
          error: {
            code: 'VALIDATION_FAILED',
            message: 'unknown event (pull, pulls, push or typing)',
          },
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
      const done = event === 'push' ? claimInFlight(socket, ack) : () => {};
      if (done === null) return;
      // Through a promise, so a synchronous throw (validation) is answered like any failure.
      Promise.resolve(payload)
        .then(work)
        .then(
          (result) => ack(result),
          (error: unknown) => answerError(socket, event, ack, error),
        )
        .finally(done);
    });
  }

  /** The answer to a failed event (logged here, once, unless it is the client's fault). */
  function errorBody(event: string, error: unknown): SyncErrorAck {
    if (error instanceof SyncError) return { error: { code: error.code, message: error.message } };
    if (isBackingServiceDown(error)) {
      logger.warn({ err: error, event }, 'sync event failed: a backing service is unavailable');
      return {
        error: { code: 'NOT_READY', message: 'a backing service is unavailable; retry later' },
      };
    }
    logger.error({ err: error, event }, 'sync event failed');
    return {
      error: { code: 'INTERNAL', message: 'server fault; nothing was written, retry later' },
    };
  }

  function answerError(
    socket: Socket,
    event: string,
    ack: (body: unknown) => void,
    error: unknown,
  ) {
    ack(errorBody(event, error));
    if (isSignedOut({ status: 'rejected', reason: error })) socket.disconnect(true);
  }

  /**
   * One more unanswered pull or push on this socket; null (and the event answered
   * TOO_MANY_IN_FLIGHT) when the socket already has its budget in flight. Returns the release.
   */
  function claimInFlight(socket: Socket, ack: (body: unknown) => void): (() => void) | null {
    const data = socket.data as { inFlight?: number };
    const inFlight = data.inFlight ?? 0;
    if (inFlight >= limits.maxInFlightPerSocket) {
      const body: SyncErrorAck = {
        error: {
          code: 'TOO_MANY_IN_FLIGHT',
          message: `at most ${limits.maxInFlightPerSocket} unanswered pulls and pushes per connection`,
        },
      };
      ack(body);
      return null;
    }
    data.inFlight = inFlight + 1;
    return () => {
      data.inFlight = (data.inFlight ?? 1) - 1;
    };
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
      const done = claimInFlight(socket, ack);
      if (done === null) return;
      const { collection, batchSize } = request;
      const author = socket.data.author as Author;
      service.live.pullStarted(subscriber, collection);
      scheduler
        .run(author.userId, () => service.pull(author, request))
        .then(
          (result) => {
            ack(result.response);
            service.live.pullFinished(subscriber, collection, batchSize, result);
          },
          (error: unknown) => {
            answerError(socket, 'pull', ack, error);
            service.live.pullFinished(subscriber, collection, batchSize, null);
          },
        )
        .finally(done);
    });
  }

  /**
   * Runs several pulls as one, each like `pull` (live stream included), and hands their answers,
   * in the order asked, to `answer`; the live stream learns of each after that, so whatever it
   * streams next follows the answer.
   */
  async function runPulls(
    socket: Socket,
    subscriber: StreamSubscriber,
    requests: readonly ParsedPull[],
    answer: (body: PullsResponse) => void,
  ): Promise<void> {
    for (const request of requests) service.live.pullStarted(subscriber, request.collection);
    const author = socket.data.author as Author;
    const settled = await Promise.allSettled(
      requests.map((request) => scheduler.run(author.userId, () => service.pull(author, request))),
    );
    answer({
      results: settled.map((outcome) =>
        outcome.status === 'fulfilled'
          ? outcome.value.response
          : errorBody('pulls', outcome.reason),
      ),
    });
    settled.forEach((outcome, index) => {
      const { collection, batchSize } = requests[index] as ParsedPull;
      const result = outcome.status === 'fulfilled' ? outcome.value : null;
      service.live.pullFinished(subscriber, collection, batchSize, result);
    });
    if (settled.some((outcome) => isSignedOut(outcome))) socket.disconnect(true);
  }

  /** Several pulls in one event: each like `pull` (live stream included), answered together. */
  function handlePulls(socket: Socket, subscriber: StreamSubscriber) {
    socket.on('pulls', (...args: unknown[]) => {
      const last = args.at(-1);
      if (typeof last !== 'function') return;
      const ack = last as (body: unknown) => void;
      let requests: ParsedPull[];
      try {
        requests = parsePulls(args.length > 1 ? args[0] : undefined);
      } catch (error) {
        answerError(socket, 'pulls', ack, error);
        return;
      }
      const done = claimInFlight(socket, ack);
      if (done === null) return;
      void runPulls(socket, subscriber, requests, ack).finally(done);
    });
  }

  /**
   * Pulls the device sent with its handshake (`auth.pulls`): answered as the connection's first
   * event, `pulled`, so a device catches up one round trip after connecting sooner than by
   * asking once connected (docs/protocol.md, Connecting).
   */
  function pullAtConnect(socket: Socket, subscriber: StreamSubscriber, pulls: unknown) {
    let requests: ParsedPull[];
    try {
      requests = parsePulls({ pulls });
    } catch (error) {
      socket.emit('pulled', errorBody('pulled', error));
      return;
    }
    const data = socket.data as { inFlight?: number };
    data.inFlight = (data.inFlight ?? 0) + 1;
    void runPulls(socket, subscriber, requests, (answer) => socket.emit('pulled', answer)).finally(
      () => {
        data.inFlight = (data.inFlight ?? 1) - 1;
      },
    );
  }

  /**
   * Pushes the device sent with its handshake (`auth.pushes`): each run as a `push` event would
   * be, one after the other in the order sent, and answered together as `pushed`. A device that
   * was cut off with writes waiting has them stored and streamed to the members as its connection
   * opens, one round trip sooner than by pushing once connected (docs/protocol.md, Connecting).
   */
  function pushAtConnect(socket: Socket, author: Author, pushes: unknown) {
    let requests: unknown[];
    try {
      requests = handshakePushList(pushes);
    } catch (error) {
      socket.emit('pushed', errorBody('pushed', error));
      return;
    }
    const data = socket.data as { inFlight?: number };
    data.inFlight = (data.inFlight ?? 0) + 1;
    const run = async (): Promise<void> => {
      const results: PushesResponse['results'] = [];
      let signedOut = false;
      for (const payload of requests) {
        try {
          const request = parsePush(payload, author.deviceId);
          results.push(await scheduler.run(author.userId, () => service.push(author, request)));
        } catch (error) {
          results.push(errorBody('pushed', error));
          signedOut ||= isSignedOut({ status: 'rejected', reason: error });
        }
      }
      socket.emit('pushed', { results } satisfies PushesResponse);
      if (signedOut) socket.disconnect(true);
    };
    void run().finally(() => {
      data.inFlight = (data.inFlight ?? 1) - 1;
    });
  }

  // Notices of every instance's changes (notifier.ts): this instance serves its own devices.
  const unsubscribe = notifier.subscribe((notice) => service.live.notify(notice));

  return {
    disconnectDevice(deviceId) {
      // Through the adapter: the device's sockets on every instance.
      io.in(deviceRoom(deviceId)).disconnectSockets(true);
    },
    async close() {
      unsubscribe();
      ephemeral.close();
      // The connections are closed, not ended with socket.io's DISCONNECT: a device takes that as
      // the server ending its session (revoked, token expired), refreshes its token and only then
      // connects again; a closed connection it reconnects at once, to another instance. (The
      // engine is this instance's alone: other instances' sockets stay.)
      io.engine.close();
      await ephemeral.drain();
    },
  };
}

export const DEFAULT_MAX_PAYLOAD_BYTES = SYNC_LIMITS.maxPayloadBytes;
