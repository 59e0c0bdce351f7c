/** Process entry: configuration from the environment, the server, and graceful shutdown on signals. */
import { ConfigError, loadConfig } from './config/config.ts';
import { createLogger } from './logging/logger.ts';
import { stopOnSignals } from './process/stop-on-signals.ts';
import { startSyncServer } from './sync-server.ts';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`sync-server: ${error.message}\n`);
  process.exit(2);
}

const logger = createLogger(config.logLevel);
// A stop signal while the start still waits for the database ends the wait, and exits 0.
const startAborted = new AbortController();
const starting = startSyncServer(config, logger, startAborted.signal);
stopOnSignals(async () => {
  startAborted.abort();
  const server = await starting.catch(() => undefined);
  await server?.stop();
}, logger);
try {
  await starting;
} catch (error) {
  if (!startAborted.signal.aborted) {
    logger.fatal({ err: error }, 'sync server failed to start');
    process.exit(1);
  }
}
