/**
 * PGlite is one PostgreSQL session; `pg` (and anything else speaking the wire protocol) expects a
 * backend of its own per connection. This broker serves PGlite on a unix socket and gives every
 * connection what a PostgreSQL backend would:
 * - its own named prepared statements (renamed `c<connection>:<name>` on the way in) and portals,
 *   deallocated when the connection ends, so a pool that reconnects never meets its old ones
 *   (42P05 "prepared statement already exists" is what sharing the session did);
 * - its own transaction: while one connection is inside a transaction or a protocol exchange, the
 *   others wait; a connection that drops out of one is rolled back before anyone else goes on;
 * - its own startup settings (`options=-c name=value`), applied whenever the session passes to it;
 * - session state it creates (SET, advisory locks, LISTEN, temporary tables, SQL PREPARE, cursors
 *   WITH HOLD) kept from everyone else: such a connection holds the session until it closes, and
 *   that state is reset then.
 * Between transactions the session passes from connection to connection in arrival order, so a
 * pool of any size works; one at a time, since there is one session.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';
import {
  backend,
  CANCEL_REQUEST_CODE,
  frontend,
  GSS_ENCRYPTION_REQUEST_CODE,
  type NamesInMessage,
  PROTOCOL_VERSION_3,
  parameterStatusMessages,
  ReadyForQueryScanner,
  renameInMessage,
  SSL_REQUEST_CODE,
  settingsOfOptions,
  startupParameters,
  type TypedMessage,
  takeMessages,
  type UntypedMessage,
  type WireError,
} from './pg-wire.ts';

export interface SessionBrokerOptions {
  db: PGlite;
  /** The unix socket to listen on (`<folder>/.s.PGSQL.<port>`). */
  path: string;
  /** Connections beyond this are refused like PostgreSQL's max_connections (53300). */
  maxConnections?: number;
  /** Where internal failures are reported (never row contents). */
  onWarning?: (message: string, error?: unknown) => void;
}

export interface SessionBroker {
  /** Open client connections. */
  connectionCount(): number;
  /** Stops listening, drops every connection and waits for the session to be left clean. */
  stop(): Promise<void>;
}

/** Statements whose effect outlives the transaction: the connection keeps the session until it closes. */
const SESSION_STATE_STATEMENT =
  /(?:^|;)\s*(?:SET(?!\s+(?:LOCAL|TRANSACTION|CONSTRAINTS)\b)|RESET|LISTEN|PREPARE|LOAD|DECLARE\b[^;]*\bWITH\s+HOLD|CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?TEMP(?:ORARY)?)\b/i;
const SESSION_STATE_FUNCTION =
  /\b(?:pg_advisory_lock|pg_advisory_lock_shared|pg_try_advisory_lock|pg_try_advisory_lock_shared|set_config)\s*\(/i;

function changesSessionState(sql: string): boolean {
  const code = sql.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/--[^\n]*/g, ' ');
  return SESSION_STATE_STATEMENT.test(code) || SESSION_STATE_FUNCTION.test(code);
}

/** Resets what a connection holding the session may have changed, except other connections' statements. */
const RESET_SESSION_STATE = `DO $$ DECLARE statement_name text; BEGIN
  FOR statement_name IN SELECT name FROM pg_prepared_statements WHERE from_sql LOOP
    EXECUTE format('DEALLOCATE %I', statement_name);
  END LOOP; END $$;
  CLOSE ALL; UNLISTEN *; SELECT pg_advisory_unlock_all(); DISCARD TEMP; DISCARD SEQUENCES;
  SET SESSION AUTHORIZATION DEFAULT; RESET ALL`;

/** Session state a connection may leave behind, in one row (see `sessionState`). */
const SESSION_STATE = `SELECT concat_ws('|',
  (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()),
  (SELECT count(*) FROM pg_listening_channels()),
  (SELECT count(*) FROM pg_cursors WHERE is_holdable),
  (SELECT count(*) FROM pg_prepared_statements WHERE from_sql),
  (SELECT count(*) FROM pg_class WHERE relpersistence = 't'),
  (SELECT string_agg(name || '=' || setting, ',' ORDER BY name) FROM pg_settings
    WHERE source = 'session'))`;

/** Sends the last words and closes; the client need not close its side for the socket to go. */
function hangUp(socket: Socket, lastWords?: Buffer): void {
  socket.end(lastWords ?? Buffer.alloc(0), () => socket.destroy());
}

const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

interface Connection {
  id: number;
  socket: Socket;
  incoming: Buffer;
  startupDone: boolean;
  /** Settings from the startup `options`. */
  settings: Map<string, string>;
  /** Named statements of this connection that exist in the session (renamed). */
  statements: Set<string>;
  /** Changed session state: holds the session until it closes. */
  pinned: boolean;
  /** Transaction status from the last ReadyForQuery. */
  status: 'I' | 'T' | 'E';
  /** Messages were forwarded after the last ReadyForQuery (an exchange is open). */
  midExchange: boolean;
  pending: TypedMessage[];
  closed: boolean;
}

export async function startSessionBroker(options: SessionBrokerOptions): Promise<SessionBroker> {
  const { db } = options;
  const maxConnections = options.maxConnections ?? 64;
  const warn = options.onWarning ?? (() => undefined);
  await db.waitReady;
  const startupAnswer = await exchange(
    frontend.startup({ user: 'postgres', database: 'postgres' }),
  );
  const parameterStatuses = parameterStatusMessages(startupAnswer);

  const connections = new Set<Connection>();
  /** Connections with work (messages, or a clean-up after they closed), in arrival order. */
  const queue: Connection[] = [];
  /** The connection the session belongs to until its transaction, exchange or pinned state ends. */
  let holder: Connection | null = null;
  /** Whose settings are applied and whose unnamed statement the session may hold. */
  let configuredFor: Connection | null = null;
  let appliedSettings = new Map<string, string>();
  /** The session state with `appliedSettings` and nothing else: what a pinned connection must return to. */
  let baselineState = await sessionState();
  let nextId = 1;
  let running: Promise<void> | null = null;
  let stopping = false;

  function enqueue(connection: Connection): void {
    if (connection !== holder && !queue.includes(connection)) queue.push(connection);
    // No event can arrive between the loop's last look at the queue and this reset.
    running ??= run().finally(() => {
      running = null;
    });
  }

  const hasWork = (connection: Connection) =>
    connection.pending.length > 0 || (connection.closed && needsCleanUp(connection));
  const needsCleanUp = (connection: Connection) =>
    connection.statements.size > 0 ||
    connection.pinned ||
    connection.status !== 'I' ||
    connection.midExchange ||
    configuredFor === connection;

  function next(): Connection | undefined {
    if (holder !== null) return hasWork(holder) ? holder : undefined;
    for (;;) {
      const candidate = queue.shift();
      if (candidate === undefined || hasWork(candidate)) return candidate;
    }
  }

  async function run(): Promise<void> {
    for (let connection = next(); connection !== undefined; connection = next()) {
      try {
        await serve(connection);
      } catch (error) {
        warn('embedded database: a connection failed and was dropped', error);
        connection.pending = [];
        connection.socket.destroy();
        connection.closed = true;
        if (holder === connection) holder = null;
        await cleanUp(connection).catch((cleanUpError: unknown) =>
          warn('embedded database: clean-up after a failed connection failed', cleanUpError),
        );
      }
    }
  }

  async function serve(connection: Connection): Promise<void> {
    if (connection.pending.length > 0) {
      await handOverTo(connection);
      while (connection.pending.length > 0) {
        await forward(connection, connection.pending.shift() as TypedMessage);
      }
    }
    const idle = connection.status === 'I' && !connection.midExchange;
    if (connection.pinned && idle && !connection.closed) {
      connection.pinned = (await sessionState()) !== baselineState;
    }
    const holds = !idle || connection.pinned;
    if (connection.closed) {
      holder = null;
      await cleanUp(connection);
    } else {
      holder = holds ? connection : null;
    }
  }

  /**
   * Runs frontend messages on the session and collects the answer. Always through the stream
   * call: PGlite 0.5 keeps the last stream callback, and a later execProtocolRaw's answer goes to
   * that callback instead of being returned.
   */
  async function exchange(messages: Buffer, onChunk?: (chunk: Buffer) => void): Promise<Buffer> {
    const chunks: Buffer[] = [];
    await db.runExclusive(() =>
      db.execProtocolRawStream(messages, {
        onRawData: (data) => {
          const chunk = Buffer.from(data);
          chunks.push(chunk);
          onChunk?.(chunk);
        },
      }),
    );
    return Buffer.concat(chunks);
  }

  /**
   * Runs frontend messages for the broker itself. Throws on an ErrorResponse; returns the text of
   * the first column of every DataRow.
   */
  async function internal(messages: Buffer[]): Promise<string[]> {
    const answer = await exchange(Buffer.concat(messages));
    const values: string[] = [];
    for (let offset = 0; offset + 5 <= answer.length; ) {
      const length = answer.readInt32BE(offset + 1);
      const body = answer.subarray(offset + 5, offset + 1 + length);
      if (answer[offset] === 0x45 /* 'E' */) {
        throw new Error(
          `internal statement failed: ${body.toString('utf8').replaceAll('\0', ' ')}`,
        );
      }
      if (answer[offset] === 0x44 /* 'D' */ && body.readInt16BE(0) > 0) {
        const size = body.readInt32BE(2);
        values.push(size < 0 ? '' : body.toString('utf8', 6, 6 + size));
      }
      offset += 1 + length;
    }
    return values;
  }

  /** What of the session outlives a transaction, as one string (equal strings: nothing changed). */
  async function sessionState(): Promise<string> {
    const [state] = await internal([frontend.query(SESSION_STATE)]);
    return state ?? '';
  }

  function sameSettings(a: Map<string, string>, b: Map<string, string>): boolean {
    return a.size === b.size && [...a].every(([name, value]) => b.get(name) === value);
  }

  async function handOverTo(connection: Connection): Promise<void> {
    if (configuredFor === connection) return;
    // The unnamed statement and portal belong to whoever used the session last.
    const messages = [frontend.close('S', ''), frontend.close('P', '')];
    if (!sameSettings(appliedSettings, connection.settings)) {
      const assignments = [...connection.settings].map(
        ([name, value]) => `SELECT set_config(${literal(name)}, ${literal(value)}, false);`,
      );
      messages.push(frontend.query(`RESET ALL; ${assignments.join(' ')}`));
    }
    messages.push(frontend.sync());
    try {
      await internal(messages);
    } catch (error) {
      // PostgreSQL refuses such a connection at its start (invalid options): end it the same way.
      // The failed query rolled back as a whole, so the settings in force did not change.
      hangUp(
        connection.socket,
        backend.error('FATAL', '22023', `invalid startup options: ${String(error)}`),
      );
      connection.pending = [];
      connection.closed = true;
      configuredFor = null;
      return;
    }
    if (!sameSettings(appliedSettings, connection.settings)) {
      appliedSettings = new Map(connection.settings);
      baselineState = await sessionState();
    }
    configuredFor = connection;
  }

  async function forward(connection: Connection, message: TypedMessage): Promise<void> {
    const seen: NamesInMessage = {};
    const bytes = renameInMessage(
      message,
      (kind, name) => `c${connection.id}:${kind === 'portal' ? 'p:' : ''}${name}`,
      seen,
    );
    if (seen.sql !== undefined && !connection.pinned && changesSessionState(seen.sql)) {
      connection.pinned = true;
    }
    if (message.type === 'P' && seen.statement) {
      connection.statements.add(`c${connection.id}:${seen.statement}`);
    }
    if (message.type === 'C' && seen.statement) {
      connection.statements.delete(`c${connection.id}:${seen.statement}`);
    }
    const scanner = new ReadyForQueryScanner();
    await exchange(bytes, (chunk) => {
      scanner.push(chunk);
      if (!connection.closed && connection.socket.writable) connection.socket.write(chunk);
    });
    const status = scanner.take();
    if (status === null) connection.midExchange = true;
    else {
      connection.status = status;
      connection.midExchange = false;
    }
  }

  /** Leaves the session as a new backend would find it, as far as this connection changed it. */
  async function cleanUp(connection: Connection): Promise<void> {
    if (!needsCleanUp(connection)) return;
    // Ends a half-sent exchange (an error in it skips everything up to a Sync).
    if (connection.midExchange) await internal([frontend.sync()]);
    if (db.isInTransaction()) await internal([frontend.query('ROLLBACK')]);
    const closes = [...connection.statements].map((name) => frontend.close('S', name));
    await internal([...closes, frontend.close('S', ''), frontend.close('P', ''), frontend.sync()]);
    if (connection.pinned) {
      await internal([frontend.query(RESET_SESSION_STATE)]);
      appliedSettings = new Map();
      baselineState = await sessionState();
    }
    connection.statements.clear();
    connection.status = 'I';
    connection.midExchange = false;
    connection.pinned = false;
    if (configuredFor === connection) configuredFor = null;
  }

  function close(connection: Connection): void {
    if (connection.closed) return;
    connection.closed = true;
    connections.delete(connection);
    // Stopping is PostgreSQL's fast shutdown: what was sent but not run is not run.
    if (stopping) connection.pending = [];
    if (needsCleanUp(connection) || connection.pending.length > 0) enqueue(connection);
  }

  function onUntyped(connection: Connection, message: UntypedMessage): void {
    const { socket } = connection;
    if (message.code === SSL_REQUEST_CODE || message.code === GSS_ENCRYPTION_REQUEST_CODE) {
      socket.write('N');
      return;
    }
    if (message.code === CANCEL_REQUEST_CODE) {
      // One session cannot be interrupted from outside; PostgreSQL closes a cancel connection too.
      hangUp(socket);
      return;
    }
    if (message.code !== PROTOCOL_VERSION_3) {
      hangUp(socket, backend.error('FATAL', '0A000', 'unsupported frontend protocol'));
      return;
    }
    const parameters = startupParameters(message);
    try {
      connection.settings = settingsOfOptions(parameters.get('options') ?? '');
    } catch (error) {
      hangUp(socket, backend.error('FATAL', '22023', (error as Error).message));
      return;
    }
    connection.startupDone = true;
    socket.write(
      Buffer.concat([
        Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0]), // AuthenticationOk
        ...parameterStatuses,
        backend.backendKeyData(connection.id, Math.floor(Math.random() * 2 ** 31)),
        backend.readyForQuery('I'),
      ]),
    );
  }

  function onData(connection: Connection, chunk: Buffer): void {
    if (connection.closed) return;
    connection.incoming =
      connection.incoming.length === 0 ? chunk : Buffer.concat([connection.incoming, chunk]);
    let messages: ReturnType<typeof takeMessages>['messages'];
    try {
      const taken = takeMessages(connection.incoming, connection.startupDone);
      messages = taken.messages;
      connection.incoming = taken.rest;
    } catch (error) {
      hangUp(connection.socket, backend.error('FATAL', '08P01', (error as WireError).message));
      close(connection);
      return;
    }
    for (const message of messages) {
      if (message.kind === 'untyped') onUntyped(connection, message);
      else if (message.type === 'X') {
        hangUp(connection.socket);
        close(connection);
        return;
      } else connection.pending.push(message);
    }
    if (connection.pending.length > 0) enqueue(connection);
  }

  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (connections.size >= maxConnections) {
      hangUp(socket, backend.error('FATAL', '53300', 'sorry, too many clients already'));
      return;
    }
    const connection: Connection = {
      id: nextId,
      socket,
      incoming: Buffer.alloc(0),
      startupDone: false,
      settings: new Map(),
      statements: new Set(),
      pinned: false,
      status: 'I',
      midExchange: false,
      pending: [],
      closed: false,
    };
    nextId += 1;
    connections.add(connection);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => onData(connection, chunk));
    // A dropped client is cleaned up like one that said goodbye; its error is nobody's to throw.
    socket.on('error', () => close(connection));
    socket.on('close', () => close(connection));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.path, () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    connectionCount: () => connections.size,
    async stop() {
      stopping = true;
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      for (const connection of [...connections]) close(connection);
      // Open transactions are rolled back before PGlite closes.
      while (running !== null) await running;
      await serverClosed;
    },
  };
}
