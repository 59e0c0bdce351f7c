import { NaclError } from '@anochat/crypto-native';
import { createGrpcNacl } from '@anochat/crypto-native/node';
import { createAttachments } from './attachments/attachments.ts';
import { createAccessTokens } from './auth/access-tokens.ts';
import { authRoutes } from './auth/auth-routes.ts';
import { createAuthService } from './auth/auth-service.ts';
import { requireAuth } from './auth/require-auth.ts';
import type { Config } from './config/config.ts';
import { createPasswordHasher } from './crypto/password-hasher.ts';
import { isConnectionFailure } from './database/checkout.ts';
import { migrate } from './database/migrate.ts';
import { createPool, type Pool, ping } from './database/pool.ts';
import { deviceRoutes } from './devices/device-routes.ts';
import { createDeviceStatements } from './devices/device-statements.ts';
import { createRevocationNotice } from './devices/revocation-notice.ts';
import { isBackingServiceDown } from './errors/unavailable.ts';
import { createApp } from './http/app.ts';
import { healthRoutes } from './http/health-routes.ts';
import { listen } from './http/http-server.ts';
import { webAppRoutes } from './http/web-app-routes.ts';
import { inviteRoutes } from './invites/invite-routes.ts';
import type { Logger } from './logging/logger.ts';
import { instrumentSyncService } from './metrics/instrument-sync.ts';
import { createSyncMetrics } from './metrics/metrics.ts';
import { listenForMetrics, type RunningMetricsServer } from './metrics/metrics-server.ts';
import { waitFor } from './process/wait-for.ts';
import { createWebPush } from './push/web-push.ts';
import { createRateLimiter } from './rate-limit/rate-limiter.ts';
import { createSignInThrottle } from './rate-limit/sign-in-throttle.ts';
import { createFanout, type Fanout } from './replication/live/fanout.ts';
import { createNotifier, type SyncNotifier } from './replication/live/notifier.ts';
import { createSyncService } from './replication/sync-service.ts';
import { createFairScheduler } from './replication/transport/fair-scheduler.ts';
import { attachSyncSocket, type SyncSocketServer } from './replication/transport/sync-socket.ts';
import { userRoutes } from './users/user-routes.ts';

export interface RunningSyncServer {
  port: number;
  /** The /metrics listener's port, null when METRICS_PORT is unset. */
  metricsPort: number | null;
  pool: Pool;
  /** Resolves when every Web Push started so far (by a stored message) is answered or given up on. */
  pushesSettled(): Promise<void>;
  /** Graceful: stop accepting, finish requests in flight, then close the pool and the gRPC channel. */
  stop(): Promise<void>;
}

const PRUNE_INTERVAL_MS = 10 * 60 * 1000;

/** Waits for `work`, at most `timeoutMs`; false if it was not done by then. */
async function doneWithin(work: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), timeoutMs);
  });
  const outcome = await Promise.race([work, late]).finally(() => clearTimeout(timer));
  return outcome !== 'late';
}

async function endWithin(pool: Pool, timeoutMs: number, logger: Logger): Promise<void> {
  if (!(await doneWithin(pool.end(), timeoutMs))) {
    logger.warn('database connections still open at shutdown; left behind');
  }
}

/**
 * Wires the modules together from a checked config. main.ts and the tests both start the server
 * here. The start waits (with backoff) for PostgreSQL and crypto-native to answer; `signal` aborts
 * that wait.
 */
export async function startSyncServer(
  config: Config,
  logger: Logger,
  signal?: AbortSignal,
): Promise<RunningSyncServer> {
  const pool = createPool(
    config.database.url,
    { max: config.database.poolMax, idleTimeoutMs: config.database.idleTimeoutMs },
    logger,
  );
  const nacl = createGrpcNacl(config.crypto.grpcAddress);
  let fanout: Fanout | undefined;
  const releaseResources = async () => {
    nacl.close();
    await fanout?.close();
    // A pool whose connections hang on a database that went silent must not hold the exit.
    await endWithin(pool, config.http.shutdownTimeoutMs, logger);
  };

  try {
    const waiting = { logger, signal, timeoutMs: config.http.startupTimeoutMs };
    await waitFor(
      'the database',
      async () => {
        if (config.database.migrateOnStart) await migrate(pool, logger);
        else await ping(pool);
      },
      { ...waiting, isTransient: isConnectionFailure },
    );
    await waitFor(
      'crypto-native',
      async () => {
        if (!(await nacl.health()).serving) throw new NaclError('UNAVAILABLE', 'not serving');
      },
      { ...waiting, isTransient: isBackingServiceDown },
    );
    fanout = await createFanout(config.redis, logger);
  } catch (error) {
    await releaseResources();
    throw error;
  }

  const accessTokens = createAccessTokens(config.jwt);
  const authenticated = requireAuth(accessTokens, pool);
  const rateLimiter = createRateLimiter(pool, config.rateLimit.windowSeconds);
  const signInThrottle = createSignInThrottle(pool, config.signIn, logger);
  const deviceStatements = createDeviceStatements(nacl);
  const auth = createAuthService({
    pool,
    passwordHasher: createPasswordHasher(nacl, config.crypto.argon2),
    deviceStatements,
    accessTokens,
    refreshTokenTtlDays: config.refreshTokenTtlDays,
  });

  const notifier: SyncNotifier = createNotifier({ peers: fanout.notices, logger });
  let sockets: SyncSocketServer | undefined;
  const onDeviceRevoked = createRevocationNotice({
    pool,
    notifier,
    logger,
    disconnectDevice: (deviceId) => sockets?.disconnectDevice(deviceId),
  });

  const attachments = await createAttachments({
    pool,
    limits: config.attachments,
    rateLimiter,
    authenticated,
    logger,
  });
  const webPush = createWebPush({ pool, logger, authenticated, config: config.webPush });
  let shuttingDown = false;
  const app = createApp({
    logger,
    bodyLimitBytes: config.http.bodyLimitBytes,
    trustProxyHops: config.http.trustProxyHops,
    rawBodyRouters: attachments.routers,
    routers: [
      healthRoutes({
        db: pool,
        cryptoHealth: () => nacl.health(),
        isShuttingDown: () => shuttingDown,
      }),
      authRoutes({
        auth,
        rateLimiter,
        registrationsPerAddress: config.rateLimit.perIp,
        signInThrottle,
        authenticated,
        onDeviceRevoked,
      }),
      deviceRoutes({ pool, deviceStatements, authenticated, onDeviceRevoked }),
      webPush.routes,
      userRoutes({
        pool,
        rateLimiter,
        limits: { perIp: config.rateLimit.perIp, perUser: config.rateLimit.perUsername },
        authenticated,
      }),
      inviteRoutes({
        pool,
        rateLimiter,
        limits: { perIp: config.rateLimit.perIp, perUser: config.rateLimit.perUsername },
        authenticated,
        notifier,
      }),
      ...(config.http.webAppDir === null ? [] : [webAppRoutes(config.http.webAppDir)]),
    ],
  });
  const http = await listen(app, config.http.host, config.http.port);
  const metrics = createSyncMetrics({ pool, cryptoHealth: () => nacl.health() });
  const metricsServer: RunningMetricsServer | null =
    config.metrics.port === null
      ? null
      : await listenForMetrics(metrics.registry, config.http.host, config.metrics.port, logger);
  const measuredService = createSyncService({
    pool,
    notifier,
    logger,
    verifier: nacl,
    testPushDelayMaxMs: config.sync.testPushDelayMaxMs,
    quotas: config.sync.quotas,
    resyncRepeatMs: config.sync.resyncRepeatMs,
    onMessagesStored: (author, conversationIds) => webPush.messagesStored(author, conversationIds),
  });
  const syncService = instrumentSyncService(measuredService, metrics);
  fanout.onResubscribed(() => syncService.live.noticesMayBeLost());
  // As many at once as the pool has connections: the rest wait here, in turns per user.
  const scheduler = createFairScheduler(config.database.poolMax);
  sockets = attachSyncSocket({
    httpServer: http.server,
    pool,
    accessTokens,
    notifier,
    logger,
    maxPayloadBytes: config.sync.maxPayloadBytes,
    adapter: fanout.adapter,
    presence: fanout.presence,
    presenceOfflineGraceMs: config.sync.presenceOfflineGraceMs,
    service: syncService,
    limits: config.sync,
    scheduler,
  });
  logger.info(
    { host: config.http.host, port: http.port, metricsPort: metricsServer?.port ?? null },
    'sync server listening',
  );

  const pruner = setInterval(() => {
    Promise.all([rateLimiter.prune(), signInThrottle.prune()]).catch((error: unknown) =>
      logger.warn({ err: error }, 'rate-limit prune failed'),
    );
  }, PRUNE_INTERVAL_MS);
  pruner.unref();

  return {
    port: http.port,
    metricsPort: metricsServer?.port ?? null,
    pool,
    pushesSettled: () => webPush.idle(),
    async stop() {
      shuttingDown = true;
      clearInterval(pruner);
      attachments.stop();
      await sockets?.close();
      // Pushes of closed sockets still run: they commit, and announce their changes to the other
      // instances, before Redis and the pool go.
      if (!(await doneWithin(scheduler.idle(), config.http.shutdownTimeoutMs))) {
        logger.warn('pushes or pulls still running at shutdown; left behind');
      }
      syncService.close();
      await doneWithin(webPush.idle(), config.http.shutdownTimeoutMs);
      await http.close(config.http.shutdownTimeoutMs);
      await metricsServer?.close();
      await releaseResources();
      logger.info('sync server stopped');
    },
  };
}
