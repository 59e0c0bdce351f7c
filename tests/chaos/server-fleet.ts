import { once } from 'node:events';
import { type ChildSyncServer, spawnSyncServer } from '@anochat/test-support/child-sync-server';
import { onInterrupt } from './interrupt.ts';
import type { Prng } from './prng.ts';

/**
 * Real sync-server processes (src/main.ts) sharing one database and, through Redis, their
 * notices: the harness SIGKILLs and restarts them. Any exit it did not cause (a crash, a refusal
 * to start) is recorded: the run fails on it.
 */
export interface ServerExit {
  instance: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The end of what the process wrote. */
  tail: string;
}

export interface Fleet {
  readonly size: number;
  /** The port of a running instance (chosen with `prng`); a refused port when none runs. */
  pickPort(prng: Prng): number;
  running(index: number): boolean;
  /** SIGKILL, or SIGTERM (a graceful stop: it finishes what it runs, then exits on its own). */
  kill(index: number, signal?: 'SIGKILL' | 'SIGTERM'): void;
  /** Starts the instance again; a start that fails is recorded and tried again until `stop`. */
  restart(index: number): Promise<void>;
  readonly exits: ServerExit[];
  /** Log lines at level error or fatal, by instance (for diagnostics). */
  errors(): string[];
  stop(): Promise<void>;
}

/** A port nothing listens on: connections to it are refused. */
const REFUSED_PORT = 1;
const TAIL_CHARS = 2_000;

export async function startFleet(options: {
  size: number;
  databaseUrl: string;
  cryptoAddress: string;
  environment: Record<string, string>;
}): Promise<Fleet> {
  const servers: (ChildSyncServer | null)[] = Array.from({ length: options.size }, () => null);
  const lastPorts: number[] = Array.from({ length: options.size }, () => REFUSED_PORT);
  const exits: ServerExit[] = [];
  const spawned: { index: number; server: ChildSyncServer }[] = [];
  const killed = new Set<ChildSyncServer>();
  const startingNow = new Map<number, Promise<void>>();
  let stopping = false;

  function watch(index: number, server: ChildSyncServer) {
    server.process.once('exit', (code, signal) => {
      if (servers[index] === server) servers[index] = null;
      if (killed.has(server) || stopping) return;
      exits.push({ instance: index, code, signal, tail: server.output().slice(-TAIL_CHARS) });
    });
  }

  async function spawn(index: number): Promise<void> {
    for (;;) {
      if (stopping) return;
      try {
        const server = await spawnSyncServer(
          options.databaseUrl,
          options.cryptoAddress,
          options.environment,
        );
        if (stopping) {
          await server.stop();
          return;
        }
        servers[index] = server;
        spawned.push({ index, server });
        const forget = onInterrupt(() => {
          server.process.kill('SIGKILL');
        });
        server.process.once('exit', forget);
        lastPorts[index] = Number(new URL(server.baseUrl).port);
        watch(index, server);
        return;
      } catch (error) {
        // It exited before listening (say, the database was away and it gave up).
        exits.push({
          instance: index,
          code: null,
          signal: null,
          tail: String((error as Error).message).slice(-TAIL_CHARS),
        });
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  await Promise.all(servers.map((_, index) => spawn(index)));

  return {
    size: options.size,
    exits,
    pickPort(prng) {
      const up = servers.flatMap((server, index) => (server === null ? [] : [index]));
      if (up.length === 0) return lastPorts[prng.int(0, options.size - 1)] ?? REFUSED_PORT;
      return lastPorts[prng.pick(up)] ?? REFUSED_PORT;
    },
    running: (index) => servers[index] !== null,
    kill(index, signal = 'SIGKILL') {
      const server = servers[index];
      if (server === null || server === undefined) return;
      killed.add(server);
      servers[index] = null;
      server.process.kill(signal);
    },
    restart(index) {
      if (servers[index] !== null) return Promise.resolve();
      // Two kills of one instance close together ask for two restarts: one start only, or the
      // second process would be left running, unknown to the fleet, after the run.
      let starting = startingNow.get(index);
      if (starting === undefined) {
        starting = spawn(index).finally(() => startingNow.delete(index));
        startingNow.set(index, starting);
      }
      return starting;
    },
    errors: () =>
      spawned.flatMap(({ index, server }) =>
        server
          .output()
          .split('\n')
          .filter((line) => /"level":(50|60)/.test(line))
          .map((line) => `instance ${index}: ${line}`),
      ),
    async stop() {
      stopping = true;
      await Promise.all(
        servers.map(async (server) => {
          if (server === null) return;
          const exited = once(server.process, 'exit');
          server.process.kill('SIGTERM');
          const timer = setTimeout(() => server.process.kill('SIGKILL'), 8_000);
          await exited;
          clearTimeout(timer);
        }),
      );
    },
  };
}
