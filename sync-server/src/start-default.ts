/**
 * `npm start`'s entry: the sync server with nothing to set up. What the environment leaves out is
 * filled in (see embedded/embedded-defaults.ts): PGlite under DATA_DIR/pglite instead of
 * DATABASE_URL, crypto-native spawned on DATA_DIR/crypto.sock instead of CRYPTO_GRPC_ADDRESS, and a
 * JWT secret kept in DATA_DIR/jwt-secret. main.ts stays the entry for a configured deployment.
 */
import { type RunningCryptoServer, startCryptoServer } from '@anochat/crypto-native/node';
import { type Config, loadConfig } from './config/config.ts';
import { type EmbeddedPlan, planEmbeddedDefaults } from './embedded/embedded-defaults.ts';
import {
  DataFolderInUseError,
  type EmbeddedPostgres,
  startEmbeddedPostgres,
} from './embedded/embedded-postgres.ts';
import { createLogger } from './logging/logger.ts';
import { stopOnSignals } from './process/stop-on-signals.ts';
import { waitFor } from './process/wait-for.ts';
import { type RunningSyncServer, startSyncServer } from './sync-server.ts';

let plan: EmbeddedPlan;
let config: Config;
try {
  plan = planEmbeddedDefaults(process.env);
  config = loadConfig(plan.env);
} catch (error) {
  process.stderr.write(`sync-server: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}

const logger = createLogger(config.logLevel);
if (plan.jwtSecret !== undefined) {
  logger.info(
    { file: plan.jwtSecret.file },
    plan.jwtSecret.created
      ? 'JWT_SECRET not set: generated one and saved it (0600) so restarts keep sessions'
      : 'JWT_SECRET not set: using the one saved by an earlier start',
  );
}

if (plan.vapidKeys !== undefined) {
  logger.info(
    { file: plan.vapidKeys.file },
    plan.vapidKeys.created
      ? 'VAPID keys not set: generated a pair for Web Push and saved it (0600)'
      : 'VAPID keys not set: using the pair saved by an earlier start',
  );
}

/** Stopped in reverse order of start: the server, then crypto-native, then the database. */
let database: EmbeddedPostgres | undefined;
let crypto: RunningCryptoServer | undefined;
let server: RunningSyncServer | undefined;

async function stopAll(): Promise<void> {
  const failures: unknown[] = [];
  const attempt = async (step: () => Promise<unknown>) => {
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  };
  await attempt(() => server?.stop() ?? Promise.resolve());
  await attempt(() => crypto?.stop() ?? Promise.resolve());
  await attempt(() => database?.stop() ?? Promise.resolve());
  if (failures.length > 0) throw new AggregateError(failures, 'shutdown failed');
}

// A stop signal during the start ends whatever it waits for and stops what already runs.
const startAborted = new AbortController();
stopOnSignals(async () => {
  startAborted.abort();
  await starting.catch(() => undefined);
  await stopAll();
}, logger);

async function start(): Promise<RunningSyncServer> {
  const waiting = { logger, signal: startAborted.signal, timeoutMs: config.http.startupTimeoutMs };
  const postgres = plan.postgres;
  if (postgres !== undefined) {
    logger.info(
      { directory: postgres.dataDirectory },
      'starting embedded PostgreSQL (PGlite; the first start initialises it, ~15 s)',
    );
    // Another server still on this data folder (one shutting down while its successor starts).
    database = await waitFor(
      'the embedded database',
      () =>
        startEmbeddedPostgres({
          ...postgres,
          onWarning: (message, error) => logger.warn({ err: error }, message),
        }),
      { ...waiting, isTransient: (error) => error instanceof DataFolderInUseError },
    );
  } else {
    logger.info('using the PostgreSQL server in DATABASE_URL');
  }
  const cryptoAddress = plan.cryptoAddress;
  if (cryptoAddress !== undefined) {
    crypto = await waitFor('crypto-native', () => startCryptoServer(cryptoAddress), {
      ...waiting,
      // A missing binary will not appear by waiting; a socket or start failure may clear.
      isTransient: (error) => !/is missing/.test(String(error)),
    });
    logger.info({ address: cryptoAddress }, 'crypto-native started');
  }
  server = await startSyncServer(config, logger, startAborted.signal);
  return server;
}

const starting = start();
try {
  const running = await starting;
  const host = ['0.0.0.0', '::'].includes(config.http.host) ? 'localhost' : config.http.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${running.port}`;
  logger.info({ url }, `AnoChat sync server ready at ${url}`);
} catch (error) {
  if (!startAborted.signal.aborted) {
    logger.fatal({ err: error }, 'sync server failed to start');
    await stopAll().catch((stopError: unknown) =>
      logger.error({ err: stopError }, 'cleanup after the failed start failed'),
    );
    process.exit(1);
  }
}
