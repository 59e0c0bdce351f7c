import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CRYPTO_LIMITS } from '@anochat/schemas/crypto-limits';
import { SYNC_LIMITS } from '@anochat/schemas/rxdb/sync';
import { z } from 'zod';
import type { AttachmentLimits } from '../attachments/attachment-limits.ts';
import type { SignInLimits } from '../rate-limit/sign-in-throttle.ts';

const DEFAULT_DATA_DIR = fileURLToPath(new URL('../../../data', import.meta.url));
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const flag = z.enum(['true', 'false']).transform((value) => value === 'true');

/** The environment the server reads; names are what an operator sets. */
const environment = z.object({
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  DATABASE_POOL_MAX: integer(1, 200).default(10),
  /** A pooled connection idle this long is closed (pg's default; 0 = never). */
  DATABASE_IDLE_TIMEOUT_MS: integer(0, 3_600_000).default(10_000),
  CRYPTO_GRPC_ADDRESS: z.string().min(1, 'must be unix:/path or host:port'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters'),
  /** Comma-separated secrets still accepted for verification while a rotation completes. */
  JWT_PREVIOUS_SECRETS: z
    .string()
    .default('')
    .transform((list) => list.split(',').filter((secret) => secret.length > 0))
    .pipe(z.array(z.string().min(32, 'each must be at least 32 characters'))),
  JWT_ISSUER: z.string().min(1).default('anochat-sync-server'),
  JWT_AUDIENCE: z.string().min(1).default('anochat-client'),
  ACCESS_TOKEN_TTL_SECONDS: integer(30, 86_400).default(900),
  REFRESH_TOKEN_TTL_DAYS: integer(1, 365).default(30),
  PORT: integer(0, 65_535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  BODY_LIMIT_BYTES: integer(1024, 16 * 1024 * 1024).default(64 * 1024),
  /** Express's `trust proxy`: set to the number of proxies in front, so req.ip is the client's. */
  TRUST_PROXY_HOPS: integer(0, 10).default(0),
  SHUTDOWN_TIMEOUT_MS: integer(0, 120_000).default(10_000),
  /** How long the start waits for PostgreSQL and crypto-native to answer (0: until they do). */
  STARTUP_TIMEOUT_MS: integer(0, 86_400_000).default(0),
  /** Optional: Prometheus /metrics on a port of its own (on HOST). Unset or empty = off. */
  METRICS_PORT: z.union([z.literal(''), integer(0, 65_535)]).default(''),
  /** Optional: the built web app (app/dist) to serve on the same port. Unset or empty = API only. */
  WEB_APP_DIR: z.string().default(''),
  MIGRATE_ON_START: flag.default(true),
  ARGON2_OPS_LIMIT: integer(
    CRYPTO_LIMITS.pwhashMinOpsLimit,
    CRYPTO_LIMITS.pwhashMaxOpsLimit,
  ).default(2),
  /** Bytes, a whole number of KiB (Argon2id's block size): the crypto server refuses others. */
  ARGON2_MEM_LIMIT: integer(CRYPTO_LIMITS.pwhashMinMemLimit, CRYPTO_LIMITS.grpcPwhashMaxMemLimit)
    .multipleOf(1024, 'must be a multiple of 1024 bytes')
    .default(64 * 1024 * 1024),
  RATE_LIMIT_WINDOW_SECONDS: integer(1, 86_400).default(60),
  RATE_LIMIT_PER_IP: integer(1, 1_000_000).default(30),
  RATE_LIMIT_PER_USERNAME: integer(1, 1_000_000).default(10),
  /** Wrong secrets per account in any 60 minutes; ASVS 2.2.1 allows no more than 100. */
  LOGIN_FAILURES_PER_ACCOUNT_HOUR: integer(1, 100).default(50),
  /** Wrong secrets per client address in any 60 minutes, over every account. */
  LOGIN_FAILURES_PER_ADDRESS_HOUR: integer(1, 1_000_000).default(100),
  /** Wrong secrets per address and account before each next attempt waits (1 s, doubling). */
  LOGIN_FREE_FAILURES: integer(0, 1_000_000).default(5),
  LOGIN_BACKOFF_MAX_SECONDS: integer(1, 3_600).default(900),
  /** socket.io maxHttpBufferSize: a larger frame closes the sync connection. */
  SYNC_MAX_PAYLOAD_BYTES: integer(64 * 1024, 64 * 1024 * 1024).default(1024 * 1024),
  /** Unanswered pull/push events per socket; more are refused with TOO_MANY_IN_FLIGHT. */
  SYNC_MAX_IN_FLIGHT_PER_SOCKET: integer(1, 10_000).default(SYNC_LIMITS.maxInFlightPerSocket),
  /** Live sockets per device and per user on one instance; more are refused at the handshake. */
  SYNC_MAX_CONNECTIONS_PER_DEVICE: integer(1, 10_000).default(SYNC_LIMITS.maxConnectionsPerDevice),
  SYNC_MAX_CONNECTIONS_PER_USER: integer(1, 100_000).default(SYNC_LIMITS.maxConnectionsPerUser),
  /** New conversations one user may create in a rolling hour (QUOTA_EXCEEDED above). */
  SYNC_CONVERSATIONS_PER_HOUR: integer(1, 1_000_000).default(60),
  /**
   * Message requests one user may send in a rolling hour: memberships they make for people who do
   * not know them (a direct conversation, a group invite), QUOTA_EXCEEDED above.
   */
  SYNC_REQUESTS_PER_HOUR: integer(1, 1_000_000).default(20),
  /** Test-only: every push transaction sleeps a random 0..N ms after its writes (0 = off). */
  SYNC_TEST_PUSH_DELAY_MAX_MS: integer(0, 10_000).default(0),
  /**
   * First wait before RESYNC is sent again to a device that did not pull after one (it doubles up
   * to 30 s). 0 turns the repeat off: only for tests of the client's own recovery.
   */
  SYNC_RESYNC_REPEAT_MS: integer(0, 60_000).default(2_000),
  /**
   * A user whose last connection dropped is told to their contacts as offline only if they have
   * not come back this long after: a flaky link reconnects within it (0 = at once).
   */
  PRESENCE_OFFLINE_GRACE_MS: integer(0, 300_000).default(5_000),
  /** Where the server keeps files: attachments in DATA_DIR/attachments (shared by instances on one volume). */
  DATA_DIR: z.string().default(DEFAULT_DATA_DIR),
  /**
   * Largest attachment blob (encrypted bytes), checked when the upload is created. The default is
   * the blob of a 100 MiB file: 17 bytes more per 64 KiB chunk (docs/crypto.md, "Attachments").
   */
  ATTACHMENTS_MAX_BYTES: integer(1, Number.MAX_SAFE_INTEGER).default(100 * 1024 * 1024 + 17 * 1600),
  /** Bytes of attachments one user may hold, uploads in progress included. */
  ATTACHMENTS_QUOTA_BYTES: integer(1, Number.MAX_SAFE_INTEGER).default(2 * 1024 * 1024 * 1024),
  /** New uploads per user per RATE_LIMIT_WINDOW_SECONDS. */
  ATTACHMENTS_UPLOADS_PER_WINDOW: integer(1, 1_000_000).default(60),
  /** Downloads (each range request counts) per user per RATE_LIMIT_WINDOW_SECONDS. */
  ATTACHMENTS_DOWNLOADS_PER_WINDOW: integer(1, 1_000_000).default(2_000),
  /** An upload not completed this long after its creation is removed. */
  ATTACHMENTS_UPLOAD_EXPIRY_SECONDS: integer(1, 30 * 86_400).default(86_400),
  /** A completed blob that no message names this long after its completion is removed. */
  ATTACHMENTS_ORPHAN_GRACE_SECONDS: integer(1, 30 * 86_400).default(86_400),
  /** How often expired uploads and orphaned blobs are collected. */
  ATTACHMENTS_GC_INTERVAL_SECONDS: integer(1, 86_400).default(600),
  /** Where blobs live: `directory` (DATA_DIR/attachments) or `s3` (an S3-compatible bucket). */
  ATTACHMENTS_STORE: z.enum(['directory', 's3']).default('directory'),
  /** The bucket, one per deployment (required with ATTACHMENTS_STORE=s3). */
  ATTACHMENTS_S3_BUCKET: z.string().default(''),
  /** An S3-compatible service's URL; unset = AWS. Credentials: the AWS SDK's own variables. */
  ATTACHMENTS_S3_ENDPOINT: z
    .url({ protocol: /^https?$/ })
    .or(z.literal(''))
    .default(''),
  ATTACHMENTS_S3_REGION: z.string().min(1).default('us-east-1'),
  /** `true` for `endpoint/bucket/key` addressing (most self-hosted S3-compatible servers). */
  ATTACHMENTS_S3_FORCE_PATH_STYLE: flag.default(false),
  /** Optional: socket.io fan-out and shared presence across instances. Unset = one process, in memory. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .or(z.literal(''))
    .optional(),
  /**
   * Web Push (RFC 8292 VAPID): the server's P-256 key pair, unpadded base64url (65-byte public
   * point, 32-byte private scalar), e.g. from `npx web-push generate-vapid-keys`. Both or neither;
   * neither = no Web Push (`npm start` generates a pair into DATA_DIR/vapid-keys.json).
   */
  VAPID_PUBLIC_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{87}$/, 'must be a 65-byte key in unpadded base64url')
    .or(z.literal(''))
    .default(''),
  VAPID_PRIVATE_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, 'must be a 32-byte key in unpadded base64url')
    .or(z.literal(''))
    .default(''),
  /** Who push services may contact about this server's pushes: a mailto: or https: URL. */
  VAPID_SUBJECT: z
    .string()
    .regex(/^(mailto:|https:\/\/)\S+$/, 'must be a mailto: or https: URL')
    .default('mailto:postmaster@localhost'),
  /** A device is pushed at most once in this many seconds, however many messages arrive. */
  PUSH_COALESCE_SECONDS: integer(0, 3_600).default(30),
  /** Test-only: accept http:// push endpoints (a local stand-in for the push service). */
  PUSH_TEST_ALLOW_HTTP: flag.default(false),
  /** Prefix of every Redis key and channel this server uses (several deployments, or tests, per Redis). */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ . : -')
    .default('anochat'),
});

/** The rules that span variables. */
const checkedEnvironment = environment.superRefine((env, context) => {
  if ((env.VAPID_PUBLIC_KEY === '') !== (env.VAPID_PRIVATE_KEY === '')) {
    context.addIssue({
      code: 'custom',
      path: [env.VAPID_PUBLIC_KEY === '' ? 'VAPID_PUBLIC_KEY' : 'VAPID_PRIVATE_KEY'],
      message: 'VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are set together',
    });
  }
  if (env.ATTACHMENTS_STORE === 's3' && env.ATTACHMENTS_S3_BUCKET === '')
    context.addIssue({
      code: 'custom',
      path: ['ATTACHMENTS_S3_BUCKET'],
      message: 'required with ATTACHMENTS_STORE=s3',
    });
});

export interface Config {
  http: {
    host: string;
    port: number;
    bodyLimitBytes: number;
    trustProxyHops: number;
    shutdownTimeoutMs: number;
    /** How long the start waits for its dependencies; 0: until they answer. */
    startupTimeoutMs: number;
    /** null: serve the API only. */
    webAppDir: string | null;
  };
  database: { url: string; poolMax: number; idleTimeoutMs: number; migrateOnStart: boolean };
  crypto: { grpcAddress: string; argon2: { opsLimit: number; memLimit: number } };
  jwt: {
    secret: string;
    previousSecrets: string[];
    issuer: string;
    audience: string;
    accessTokenTtlSeconds: number;
  };
  refreshTokenTtlDays: number;
  /** `port` null: no metrics listener. */
  metrics: { port: number | null };
  /** Fixed windows: registrations per address; user lookups per address and per user. */
  rateLimit: { windowSeconds: number; perIp: number; perUsername: number };
  /** Failed sign-ins (src/rate-limit/sign-in-throttle.ts). */
  signIn: SignInLimits;
  sync: {
    maxPayloadBytes: number;
    testPushDelayMaxMs: number;
    resyncRepeatMs: number;
    presenceOfflineGraceMs: number;
    maxInFlightPerSocket: number;
    maxConnectionsPerDevice: number;
    maxConnectionsPerUser: number;
    quotas: { conversationsPerHour: number; requestsPerHour: number };
  };
  /** `url` null: the in-memory socket.io adapter and presence (a single instance). */
  redis: { url: string | null; keyPrefix: string };
  attachments: AttachmentLimits;
  /** `vapid` null: Web Push is off. */
  webPush: {
    vapid: { publicKey: string; privateKey: string; subject: string } | null;
    coalesceSeconds: number;
    allowHttpEndpoints: boolean;
  };
  logLevel: (typeof LOG_LEVELS)[number];
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Reads and checks the environment. Every problem is reported at once, naming the variable and the
 * rule, never the value (it may be a secret).
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = checkedEnvironment.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const variable = issue.path.join('.');
      return issue.code === 'invalid_type' && env[variable] === undefined
        ? `${variable}: required`
        : `${variable}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  return {
    http: {
      host: e.HOST,
      port: e.PORT,
      bodyLimitBytes: e.BODY_LIMIT_BYTES,
      trustProxyHops: e.TRUST_PROXY_HOPS,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
      startupTimeoutMs: e.STARTUP_TIMEOUT_MS,
      webAppDir: e.WEB_APP_DIR || null,
    },
    database: {
      url: e.DATABASE_URL,
      poolMax: e.DATABASE_POOL_MAX,
      idleTimeoutMs: e.DATABASE_IDLE_TIMEOUT_MS,
      migrateOnStart: e.MIGRATE_ON_START,
    },
    crypto: {
      grpcAddress: e.CRYPTO_GRPC_ADDRESS,
      argon2: { opsLimit: e.ARGON2_OPS_LIMIT, memLimit: e.ARGON2_MEM_LIMIT },
    },
    jwt: {
      secret: e.JWT_SECRET,
      previousSecrets: e.JWT_PREVIOUS_SECRETS,
      issuer: e.JWT_ISSUER,
      audience: e.JWT_AUDIENCE,
      accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
    },
    refreshTokenTtlDays: e.REFRESH_TOKEN_TTL_DAYS,
    metrics: { port: e.METRICS_PORT === '' ? null : e.METRICS_PORT },
    rateLimit: {
      windowSeconds: e.RATE_LIMIT_WINDOW_SECONDS,
      perIp: e.RATE_LIMIT_PER_IP,
      perUsername: e.RATE_LIMIT_PER_USERNAME,
    },
    signIn: {
      failuresPerAccountHour: e.LOGIN_FAILURES_PER_ACCOUNT_HOUR,
      failuresPerAddressHour: e.LOGIN_FAILURES_PER_ADDRESS_HOUR,
      freeFailures: e.LOGIN_FREE_FAILURES,
      maxBackoffSeconds: e.LOGIN_BACKOFF_MAX_SECONDS,
    },
    sync: {
      maxPayloadBytes: e.SYNC_MAX_PAYLOAD_BYTES,
      testPushDelayMaxMs: e.SYNC_TEST_PUSH_DELAY_MAX_MS,
      resyncRepeatMs: e.SYNC_RESYNC_REPEAT_MS,
      presenceOfflineGraceMs: e.PRESENCE_OFFLINE_GRACE_MS,
      maxInFlightPerSocket: e.SYNC_MAX_IN_FLIGHT_PER_SOCKET,
      maxConnectionsPerDevice: e.SYNC_MAX_CONNECTIONS_PER_DEVICE,
      maxConnectionsPerUser: e.SYNC_MAX_CONNECTIONS_PER_USER,
      quotas: {
        conversationsPerHour: e.SYNC_CONVERSATIONS_PER_HOUR,
        requestsPerHour: e.SYNC_REQUESTS_PER_HOUR,
      },
    },
    redis: { url: e.REDIS_URL || null, keyPrefix: e.REDIS_KEY_PREFIX },
    webPush: {
      vapid:
        e.VAPID_PUBLIC_KEY === ''
          ? null
          : {
              publicKey: e.VAPID_PUBLIC_KEY,
              privateKey: e.VAPID_PRIVATE_KEY,
              subject: e.VAPID_SUBJECT,
            },
      coalesceSeconds: e.PUSH_COALESCE_SECONDS,
      allowHttpEndpoints: e.PUSH_TEST_ALLOW_HTTP,
    },
    attachments: {
      directory: join(resolve(e.DATA_DIR), 'attachments'),
      storage:
        e.ATTACHMENTS_STORE === 'directory'
          ? { kind: 'directory' }
          : {
              kind: 's3',
              bucket: e.ATTACHMENTS_S3_BUCKET,
              endpoint: e.ATTACHMENTS_S3_ENDPOINT || null,
              region: e.ATTACHMENTS_S3_REGION,
              forcePathStyle: e.ATTACHMENTS_S3_FORCE_PATH_STYLE,
            },
      maxBytes: e.ATTACHMENTS_MAX_BYTES,
      quotaBytes: e.ATTACHMENTS_QUOTA_BYTES,
      uploadsPerWindow: e.ATTACHMENTS_UPLOADS_PER_WINDOW,
      downloadsPerWindow: e.ATTACHMENTS_DOWNLOADS_PER_WINDOW,
      uploadExpirySeconds: e.ATTACHMENTS_UPLOAD_EXPIRY_SECONDS,
      orphanGraceSeconds: e.ATTACHMENTS_ORPHAN_GRACE_SECONDS,
      gcIntervalSeconds: e.ATTACHMENTS_GC_INTERVAL_SECONDS,
    },
    logLevel: e.LOG_LEVEL,
  };
}
