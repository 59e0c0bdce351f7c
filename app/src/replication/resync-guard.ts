import { filter, merge, type Observable, Subject, type Subscription } from 'rxjs';

/**
 * Makes sure a RESYNC (pull from the checkpoint) is followed by a pull, whatever RxDB does with it.
 *
 * RxDB 17.6.0 drops a `'RESYNC'` that reaches its downstream queue right behind a documents event
 * (replication-protocol/downstream.js, `addNewTask`); both wait there while a push runs, so on a
 * slow link it happens often, and the server keeps the collection out of live mode until the pull
 * it asked for arrives. So a RESYNC stays owed until a pull starts after it, and each time the
 * replication falls idle with one owed, it is asked again. Every (re)connection gets a pull too
 * (whatever was streamed on the old connection and lost with it is pulled again): if none has
 * started `reconnectGraceMs` after connecting, the guard asks for one. The app's transport tells
 * the server it pulls on connecting, so no RESYNC comes then and the app asks at once (0); with a
 * server RESYNC on the way, a grace keeps every collection from being pulled twice per reconnect.
 */
export interface ResyncGuard<Event> {
  /** The server's stream with the RESYNCs this guard adds: RxDB's `stream$`. */
  stream$: Observable<Event | 'RESYNC'>;
  /** Called by the pull handler as each pull starts. */
  pullStarted(): void;
  /**
   * The answer to this collection's pull sent with the handshake arrived: `page` is handed to
   * RxDB as the next page; `more` (a full page, or a refused pull) asks for a pull from there.
   */
  pulledAtConnect(page: Event | null, more: boolean): void;
  /** Follows the replication's `active$` (re-asks when it falls idle with a RESYNC owed). */
  follow(active$: Observable<boolean>): void;
  stop(): void;
}

export function createResyncGuard<Event>(options: {
  /** The server's stream for this collection. */
  server$: Observable<Event | 'RESYNC'>;
  /** true on each (re)connection. */
  connected$: Observable<boolean>;
  reconnectGraceMs?: number;
  /** Whether the connection's handshake carried a pull of this collection. */
  pulledWithHandshake?: () => boolean;
  handshakeGraceMs?: number;
}): ResyncGuard<Event> {
  const reconnectGraceMs = options.reconnectGraceMs ?? 3_000;
  const handshakeGraceMs = options.handshakeGraceMs ?? 3_000;
  const asked = new Subject<'RESYNC'>();
  const pages = new Subject<Event>();
  const subscriptions: Subscription[] = [];
  let owed = false;
  let reaskScheduled = false;
  let pulledSinceConnect = true;
  let graceTimer: ReturnType<typeof setTimeout> | null = null;

  function ask(): void {
    owed = true;
    asked.next('RESYNC');
  }

  const fromServer$ = options.server$.pipe(
    filter((event) => {
      if (event === 'RESYNC') owed = true;
      return true;
    }),
  );
  subscriptions.push(
    options.connected$.pipe(filter(Boolean)).subscribe(() => {
      pulledSinceConnect = false;
      if (graceTimer !== null) clearTimeout(graceTimer);
      graceTimer = setTimeout(
        () => {
          graceTimer = null;
          if (!pulledSinceConnect) ask();
        },
        options.pulledWithHandshake?.() ? handshakeGraceMs : reconnectGraceMs,
      );
    }),
  );

  return {
    stream$: merge(fromServer$, pages, asked),

    pullStarted() {
      owed = false;
      pulledSinceConnect = true;
    },

    pulledAtConnect(page, more) {
      owed = false;
      pulledSinceConnect = true;
      if (page !== null) pages.next(page);
      if (more) ask();
    },

    follow(active$) {
      subscriptions.push(
        active$.pipe(filter((active) => !active)).subscribe(() => {
          if (!owed || reaskScheduled) return;
          // Not from inside RxDB's own emission: it is still finishing the task that went idle.
          reaskScheduled = true;
          setTimeout(() => {
            reaskScheduled = false;
            if (owed) ask();
          }, 0);
        }),
      );
    },

    stop() {
      if (graceTimer !== null) clearTimeout(graceTimer);
      for (const subscription of subscriptions) subscription.unsubscribe();
      pages.complete();
      asked.complete();
    },
  };
}
