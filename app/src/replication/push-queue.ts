import {
  type CompactPushRequest,
  type PushesResponse,
  SYNC_LIMITS,
  type SyncErrorAck,
} from '@anochat/schemas/rxdb/sync';
import { TransportError } from './transport-error.ts';

/** One push waiting for its answer, through however many connections that takes. */
interface QueuedPush {
  payload: CompactPushRequest;
  resolve(answer: unknown): void;
  reject(error: TransportError): void;
  /**
   * `waiting`: to go with the next handshake, or once connected; `handshake`: sent with the
   * current connection's handshake; `emitted`: sent as a `push` event on the current connection.
   */
  state: 'waiting' | 'handshake' | 'emitted';
  /** Which connection it was sent on: an answer meant for an older one is ignored. */
  connection: number;
}

export interface PushQueueOptions {
  /** Sends one push as a `push` event on the current connection; rejects when unanswered. */
  emit(payload: CompactPushRequest): Promise<unknown>;
  /** Pushes that go with one handshake together take at most this many bytes (as JSON). */
  handshakeBudgetBytes: number;
  /**
   * Connected without `pushed` this long after: the server did not take the handshake's pushes
   * (one that does not know `auth.pushes`), so they are sent as `push` events.
   */
  pushedTimeoutMs: number;
}

/**
 * Pushes that outlive connections. A push the server has not answered when the connection drops
 * is not failed (RxDB would wait its retry time, then wait for the connection): it is sent again
 * with the next handshake (`auth.pushes`), so that what a device wrote while cut off is stored as
 * the connection opens, one round trip sooner. Pushes are idempotent (the server stores a row
 * once and answers `stored` either way), so sending one twice is safe; nothing is lost, because a
 * push leaves the queue only with its answer.
 */
export function createPushQueue(options: PushQueueOptions) {
  const queue: QueuedPush[] = [];
  let connection = 0;
  let connected = false;
  let pushedTimer: ReturnType<typeof setTimeout> | undefined;
  const sentWithHandshake = () =>
    queue.filter((entry) => entry.state === 'handshake' && entry.connection === connection);

  function settle(entry: QueuedPush, answer: unknown): void {
    const index = queue.indexOf(entry);
    if (index === -1 || entry.connection !== connection) return;
    queue.splice(index, 1);
    entry.resolve(answer);
  }

  function emit(entry: QueuedPush): void {
    entry.state = 'emitted';
    entry.connection = connection;
    options.emit(entry.payload).then(
      (answer) => settle(entry, answer),
      // Unanswered: the transport drops this connection, and the push goes with the next one.
      () => undefined,
    );
  }

  return {
    push<T>(payload: CompactPushRequest): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const entry: QueuedPush = {
          payload,
          resolve: resolve as (answer: unknown) => void,
          reject,
          state: 'waiting',
          connection,
        };
        queue.push(entry);
        if (connected) emit(entry);
      });
    },

    /**
     * The pushes for the handshake now being made: the oldest first, as many as fit the budget and
     * the server's limit; the rest go once connected.
     */
    forHandshake(): CompactPushRequest[] {
      connection++;
      connected = false;
      let bytes = 0;
      const sent: CompactPushRequest[] = [];
      for (const entry of queue) entry.state = 'waiting';
      for (const entry of queue) {
        bytes += JSON.stringify(entry.payload).length;
        if (
          sent.length === SYNC_LIMITS.maxHandshakePushes ||
          bytes > options.handshakeBudgetBytes
        ) {
          break;
        }
        entry.state = 'handshake';
        entry.connection = connection;
        sent.push(entry.payload);
      }
      return sent;
    },

    /** Connected: what missed the handshake goes now, as `push` events. */
    connected(): void {
      connected = true;
      for (const entry of queue) if (entry.state === 'waiting') emit(entry);
      clearTimeout(pushedTimer);
      if (sentWithHandshake().length > 0) {
        pushedTimer = setTimeout(() => {
          for (const entry of sentWithHandshake()) emit(entry);
        }, options.pushedTimeoutMs);
      }
    },

    /** The server's `pushed`: the answers to the handshake's pushes, in the order sent. */
    pushed(answer: PushesResponse | SyncErrorAck): void {
      clearTimeout(pushedTimer);
      sentWithHandshake().forEach((entry, index) => {
        const result =
          'results' in answer && Array.isArray(answer.results) ? answer.results[index] : answer;
        if (result === undefined) {
          entry.state = 'waiting';
          if (connected) emit(entry);
        } else settle(entry, result);
      });
    },

    /** The connection dropped (or its handshake failed): everything unanswered waits again. */
    disconnected(): void {
      connected = false;
      clearTimeout(pushedTimer);
      for (const entry of queue) entry.state = 'waiting';
    },

    /** The transport stopped for good (signed out). */
    stop(message: string): void {
      connected = false;
      clearTimeout(pushedTimer);
      for (const entry of queue.splice(0)) {
        entry.reject(new TransportError('DISCONNECTED', message));
      }
    },
  };
}

export type PushQueue = ReturnType<typeof createPushQueue>;
