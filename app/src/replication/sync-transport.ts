import type {
  Checkpoint,
  CollectionName,
  CompactPushRequest,
  PullRequest,
  PullResponse,
  PullsResponse,
  PushesResponse,
  StreamEvent,
  SyncErrorAck,
  WireDocument,
} from '@anochat/schemas/rxdb/sync';
import { BehaviorSubject, filter, map, type Observable, Subject } from 'rxjs';
import { io, type Socket } from 'socket.io-client';
import type { NetworkStatus } from '../platform/platform.ts';
import { createPushQueue } from './push-queue.ts';
import { TransportError } from './transport-error.ts';

/** What the connection is doing, for the banner. */
export type LinkState = 'offline' | 'connecting' | 'online';

export interface SyncTransportOptions {
  url: string;
  /** The access token for the next handshake (refreshed by the session when due). */
  accessToken(): Promise<string>;
  /**
   * A new access token after the server refused or expired `expired`. The session decides whether
   * the session has ended: only a refused refresh (REFRESH_TOKEN_INVALID or _REUSED) ends it;
   * anything else rejects and the transport tries again later.
   */
  refreshAccessToken(expired: string): Promise<string>;
  /** Whether the device has a network, from the platform (the browser, Capacitor's plugin). */
  network: NetworkStatus;
  ackTimeoutMs?: number;
  /**
   * First wait before reconnecting after a refused or failed handshake (and before the second
   * attempt after a connection dropped); doubles up to `maxReconnectDelayMs`.
   */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
  /** socket.io-client factory (tests may wrap it). */
  connect?: typeof io;
}

interface HandshakeAuth {
  token: string;
  pullsOnConnect: true;
  pulls?: PullRequest[];
  pushes?: CompactPushRequest[];
}

/** Pushes a handshake carries take at most this much (the server's frame limit is 1 MiB). */
const HANDSHAKE_PUSH_BUDGET_BYTES = 256 * 1024;

/** A connection up at least this long is replaced at once when it drops (see the 'close' hook). */
const IMMEDIATE_RECONNECT_AFTER_MS = 1_000;

/** The answer to one pull sent with the handshake (`pulled`, docs/protocol.md). */
export interface HandshakePull {
  request: PullRequest;
  answer: PullResponse | SyncErrorAck;
}

interface InFlight {
  reject(error: TransportError): void;
}

/**
 * The one socket.io connection to the sync server (docs/protocol.md, Replication). It
 * - authenticates each handshake with the current access token, refreshes it on TOKEN_EXPIRED,
 *   UNAUTHORIZED and `session_expired`, and reconnects; it never ends the session itself: a
 *   handshake the server could not check (NOT_READY: its database is down) or a refresh that
 *   failed for any reason but a refusal is retried with backoff (docs/protocol.md, Connecting);
 * - reconnects at once when a connection that had been up for a while drops (on a link that cuts
 *   often, every wait before the new handshake is time nothing is delivered), then with socket.io's
 *   randomized exponential backoff (0.25 s doubling to 15 s); at once too when the platform
 *   reports the network is back, and not at all while there is none;
 * - fails every request in flight the moment the connection drops (their pushes are idempotent, so
 *   RxDB simply repeats them), and makes new requests wait for the next connection;
 * - takes a request without an answer in `ackTimeoutMs` as a dead connection (a route that went
 *   silent: nothing closes it) and reconnects;
 * - counts a connection that closes before its handshake completed as a failed attempt at once
 *   (socket.io's Manager would wait out its 20 s connect timeout: it listens only for errors then).
 */
export function createSyncTransport(options: SyncTransportOptions) {
  const ackTimeoutMs = options.ackTimeoutMs ?? 20_000;
  const { network } = options;
  const firstDelayMs = options.reconnectDelayMs ?? 250;
  const maxDelayMs = options.maxReconnectDelayMs ?? 15_000;
  const link = new BehaviorSubject<LinkState>(network.online() ? 'connecting' : 'offline');
  const connected$ = new BehaviorSubject(false);
  const streamEvents = new Subject<StreamEvent>();
  const inFlight = new Set<InFlight>();
  let lastToken = '';
  let stopped = false;
  /** What to pull with each handshake (set by the sync engine, which knows the checkpoints). */
  let handshakePulls: () => PullRequest[] = () => [];
  /** The pulls the current connection's handshake carried. */
  let sentWithHandshake: PullRequest[] = [];
  const handshakeAnswers = new Subject<HandshakePull>();
  /** The wait before the next reconnect after a refused handshake (reset once connected). */
  let retryDelayMs = firstDelayMs;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the current connection came up (null: none is up). */
  let connectedSince: number | null = null;

  const pushes = createPushQueue({
    emit: (payload) => request('push', payload),
    handshakeBudgetBytes: HANDSHAKE_PUSH_BUDGET_BYTES,
    pushedTimeoutMs: ackTimeoutMs,
  });

  const socket: Socket = (options.connect ?? io)(options.url, {
    path: '/socket.io/',
    transports: ['websocket'],
    autoConnect: false,
    reconnectionDelay: firstDelayMs,
    reconnectionDelayMax: maxDelayMs,
    randomizationFactor: 0.5,
    // pullsOnConnect: the sync engine pulls every collection on each (re)connection (resync-guard.ts),
    // so the server sends no RESYNC to start with: fewer frames on a link that drops often. The
    // pulls themselves go with the handshake (`pulls`, answered by `pulled` as the connection
    // opens): on a far link, caught up one round trip sooner after every reconnect.
    auth: (deliver: (auth: HandshakeAuth) => void) => {
      const withPulls = (token: string): HandshakeAuth => {
        sentWithHandshake = handshakePulls();
        const waitingPushes = pushes.forHandshake();
        return {
          token,
          pullsOnConnect: true,
          ...(sentWithHandshake.length > 0 ? { pulls: sentWithHandshake } : {}),
          ...(waitingPushes.length > 0 ? { pushes: waitingPushes } : {}),
        };
      };
      options
        .accessToken()
        .then((token) => {
          lastToken = token;
          deliver(withPulls(token));
        })
        .catch(() => deliver(withPulls(lastToken)));
    },
  });

  function failInFlight(message: string): void {
    for (const request of inFlight) request.reject(new TransportError('DISCONNECTED', message));
    inFlight.clear();
  }

  const watchedEngines = new WeakSet<object>();
  function watchHandshake(): void {
    const engine = socket.io.engine;
    if (engine === undefined || watchedEngines.has(engine)) return;
    watchedEngines.add(engine);
    let opened = false;
    engine.once('open', () => {
      opened = true;
    });
    engine.once('close', (reason: string) => {
      // The Manager still listens for this attempt's errors (and for nothing else) now.
      if (!opened) {
        (engine as unknown as { emitReserved(event: 'error', error: Error): void }).emitReserved(
          'error',
          new Error(`connection closed during the handshake: ${reason}`),
        );
      }
    });
  }
  socket.io.on('reconnect_attempt', () => queueMicrotask(watchHandshake));

  // socket.io waits its randomized delay (about 0.25 s) even before the first attempt after a
  // drop; on a far link that drops often that is a quarter of a second more without delivery
  // after every cut. So a connection that had been up for a while is replaced at once, and the
  // attempts after that back off from the usual first delay. (A server that accepts and drops
  // connections at once gets the usual backoff: no loop.)
  socket.io.on('close', () => {
    const upFor = connectedSince === null ? 0 : Date.now() - connectedSince;
    connectedSince = null;
    if (upFor >= IMMEDIATE_RECONNECT_AFTER_MS) socket.io.reconnectionDelay(0);
  });
  socket.io.on('reconnect_attempt', () => {
    // socket.io's backoff doubles per attempt from this minimum; the immediate attempt was the first.
    if (socket.io.reconnectionDelay() === 0) socket.io.reconnectionDelay(firstDelayMs / 2);
  });
  socket.io.on('open', () => socket.io.reconnectionDelay(firstDelayMs));

  function start(): void {
    if (stopped || socket.connected || !network.online()) return;
    clearTimeout(retryTimer);
    retryTimer = undefined;
    link.next('connecting');
    socket.connect();
    watchHandshake();
  }

  /** The connection looks dead (a request went unanswered): drop it, socket.io reconnects. */
  function reconnectNow(): void {
    if (socket.connected) socket.io.engine?.close();
  }

  /**
   * socket.io does not reconnect by itself after the server refused a handshake: try again after
   * a randomized, growing wait.
   */
  function retryLater(): void {
    if (stopped || retryTimer !== undefined) return;
    link.next(network.online() ? 'connecting' : 'offline');
    const delay = retryDelayMs * (0.5 + Math.random() / 2);
    retryDelayMs = Math.min(maxDelayMs, retryDelayMs * 2);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      start();
    }, delay);
  }

  async function renewAndReconnect(): Promise<void> {
    try {
      await options.refreshAccessToken(lastToken);
      start();
    } catch {
      // Offline, the server is down, or the session has ended (then the session stops this
      // transport): try again later.
      retryLater();
    }
  }

  socket.on('connect', () => {
    connectedSince = Date.now();
    retryDelayMs = firstDelayMs;
    connected$.next(true);
    link.next('online');
    pushes.connected();
  });
  socket.on('disconnect', (reason) => {
    sentWithHandshake = [];
    connected$.next(false);
    failInFlight(`disconnected: ${reason}`);
    pushes.disconnected();
    link.next(stopped || !network.online() ? 'offline' : 'connecting');
    // A disconnect by the server (expired token, revoked device) is not retried by socket.io.
    if (reason === 'io server disconnect' && !stopped) void renewAndReconnect();
  });
  socket.on('connect_error', (error: Error & { data?: { code?: string } }) => {
    pushes.disconnected();
    const code = error.data?.code;
    // A refused token may only be stale (another tab refreshed, a secret rotated): the refresh
    // tells whether the session still exists. Never sign out here.
    if (code === 'TOKEN_EXPIRED' || code === 'UNAUTHORIZED') void renewAndReconnect();
    // Too many sockets of this device or user: not to be retried in a loop (docs/protocol.md);
    // the next network change or reconnect() tries again.
    else if (code === 'TOO_MANY_CONNECTIONS')
      link.next(network.online() ? 'connecting' : 'offline');
    // NOT_READY (the server could not check the device now) and any other refusal: retry later.
    // Without `data` it was the transport (server unreachable): socket.io retries by itself.
    else if (code !== undefined || !socket.active) retryLater();
    else link.next(network.online() ? 'connecting' : 'offline');
  });
  socket.on('session_expired', () => {
    // The server disconnects right after; renewAndReconnect runs on that disconnect.
  });
  socket.on('stream', (event: StreamEvent) => {
    if (typeof event?.collection === 'string') streamEvents.next(event);
  });
  socket.on('pushed', (answer: PushesResponse | SyncErrorAck) => pushes.pushed(answer));
  socket.on('pulled', (answer: PullsResponse | SyncErrorAck) => {
    const asked = sentWithHandshake;
    sentWithHandshake = [];
    asked.forEach((request, index) => {
      const result: PullResponse | SyncErrorAck | undefined =
        'results' in answer && Array.isArray(answer.results)
          ? answer.results[index]
          : (answer as SyncErrorAck);
      if (result !== undefined) handshakeAnswers.next({ request, answer: result });
    });
  });

  const stopWatchingNetwork = network.subscribe((online) => {
    if (online) {
      // Skip whatever backoff delay socket.io is waiting out.
      if (!socket.connected) {
        socket.disconnect();
        start();
      }
    } else {
      // There is no network: an open socket would only hang until it times out.
      socket.disconnect();
      link.next('offline');
    }
  });

  function whenConnected(): Promise<void> {
    if (socket.connected) return Promise.resolve();
    return new Promise((resolve) => {
      const subscription = connected$.pipe(filter(Boolean)).subscribe(() => {
        subscription?.unsubscribe();
        resolve();
      });
    });
  }

  /** Emits with an acknowledgement once connected; rejects if the connection drops first. */
  async function request<T>(event: string, payload: unknown): Promise<T> {
    await whenConnected();
    return new Promise<T>((resolve, reject) => {
      const entry: InFlight = { reject };
      inFlight.add(entry);
      socket
        .timeout(ackTimeoutMs)
        .emitWithAck(event, payload)
        .then(
          (answer: T) => resolve(answer),
          () => {
            reject(new TransportError('TIMEOUT', `${event}: no answer in ${ackTimeoutMs} ms`));
            reconnectNow();
          },
        )
        .finally(() => inFlight.delete(entry));
    });
  }

  return {
    link$: link.asObservable() as Observable<LinkState>,
    connected$: connected$.asObservable(),
    socket,

    /**
     * The server's live stream for one collection, as RxDB's `stream$`: documents with their
     * checkpoint (the next pull page, served by the server), or `'RESYNC'` (pull from the
     * checkpoint).
     */
    stream$(
      collection: CollectionName,
    ): Observable<'RESYNC' | { documents: WireDocument[]; checkpoint: Checkpoint }> {
      return streamEvents.pipe(
        filter((event) => event.collection === collection),
        map((event) =>
          'documents' in event && Array.isArray(event.documents)
            ? { documents: event.documents, checkpoint: event.checkpoint }
            : ('RESYNC' as const),
        ),
      );
    },

    /** The answers to the pulls sent with a handshake, one by one. */
    handshakePulls$: handshakeAnswers.asObservable(),

    /** Whether the current connection's handshake carried a pull of this collection. */
    pulledWithHandshake(collection: CollectionName): boolean {
      return sentWithHandshake.some((request) => request.collection === collection);
    },

    /** What to pull with every handshake from now on (the sync engine's checkpoints). */
    pullWithHandshake(pulls: () => PullRequest[]): void {
      handshakePulls = pulls;
    },

    request,

    /**
     * Pushes rows (`push`): answered by the server, however many connections that takes; what is
     * waiting when a connection opens goes with its handshake (push-queue.ts).
     */
    push<T>(payload: CompactPushRequest): Promise<T> {
      return pushes.push<T>(payload);
    },

    /** Fire-and-forget with an ack, for ephemeral events; dropped when not connected. */
    emitIfConnected(event: string, payload: unknown): void {
      if (socket.connected) socket.timeout(5_000).emit(event, payload, () => undefined);
    },

    start,

    /**
     * Drops the socket and connects again now: after the app was frozen in the background its
     * socket may be dead without either side having noticed yet.
     */
    reconnect(): void {
      if (stopped) return;
      socket.disconnect();
      start();
    },

    stop(): void {
      stopped = true;
      clearTimeout(retryTimer);
      stopWatchingNetwork();
      socket.disconnect();
      failInFlight('stopped');
      pushes.stop('stopped');
      link.next('offline');
    },
  };
}

export type SyncTransport = ReturnType<typeof createSyncTransport>;
