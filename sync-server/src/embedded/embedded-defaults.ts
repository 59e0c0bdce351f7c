/**
 * What `npm start` fills in when the operator did not: where local state lives, the embedded
 * database, the crypto-native socket, and a JWT secret and a VAPID key pair (Web Push) generated
 * once and kept on disk.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { embeddedPostgresUrl } from './embedded-postgres.ts';

/** The repository's `data/` folder (git-ignored), wherever the process was started from. */
export const DEFAULT_DATA_DIRECTORY = fileURLToPath(new URL('../../../data', import.meta.url));

const JWT_SECRET_FILE = 'jwt-secret';
const VAPID_KEYS_FILE = 'vapid-keys.json';

export interface EmbeddedPlan {
  dataDirectory: string;
  /** Set when DATABASE_URL is absent: PGlite's files and its socket folder. */
  postgres?: { dataDirectory: string; socketDirectory: string };
  /** Set when CRYPTO_GRPC_ADDRESS is absent: the unix socket crypto-native is started on. */
  cryptoAddress?: string;
  /** Set when JWT_SECRET is absent: the file the secret was read from or written to. */
  jwtSecret?: { file: string; created: boolean };
  /** Set when neither VAPID key is given: the file the pair was read from or written to. */
  vapidKeys?: { file: string; created: boolean };
  /** The environment for loadConfig, with the defaults filled in. */
  env: Record<string, string | undefined>;
}

/**
 * Fills in DATABASE_URL, DATABASE_POOL_MAX, CRYPTO_GRPC_ADDRESS and JWT_SECRET where they are
 * missing. Writes only the data folder and, the first time, the secret file.
 */
export function planEmbeddedDefaults(env: Record<string, string | undefined>): EmbeddedPlan {
  const dataDirectory = resolve(env.DATA_DIR || DEFAULT_DATA_DIRECTORY);
  mkdirSync(dataDirectory, { recursive: true, mode: 0o700 });
  const plan: EmbeddedPlan = { dataDirectory, env: { ...env } };

  if (!env.DATABASE_URL) {
    plan.postgres = {
      dataDirectory: join(dataDirectory, 'pglite'),
      socketDirectory: join(dataDirectory, 'pglite-socket'),
    };
    plan.env.DATABASE_URL = embeddedPostgresUrl(plan.postgres.socketDirectory);
    // PGlite serves one connection; more pool slots would only queue behind it.
    plan.env.DATABASE_POOL_MAX = '1';
  }
  if (!env.CRYPTO_GRPC_ADDRESS) {
    plan.cryptoAddress = `unix:${join(dataDirectory, 'crypto.sock')}`;
    plan.env.CRYPTO_GRPC_ADDRESS = plan.cryptoAddress;
  }
  if (!env.JWT_SECRET) {
    const file = join(dataDirectory, JWT_SECRET_FILE);
    const { secret, created } = loadOrCreateSecret(file);
    plan.jwtSecret = { file, created };
    plan.env.JWT_SECRET = secret;
  }
  if (!env.VAPID_PUBLIC_KEY && !env.VAPID_PRIVATE_KEY) {
    const file = join(dataDirectory, VAPID_KEYS_FILE);
    const { secret, created } = loadOrCreateSecret(file, newVapidKeys);
    const keys = JSON.parse(secret) as { publicKey: string; privateKey: string };
    plan.vapidKeys = { file, created };
    plan.env.VAPID_PUBLIC_KEY = keys.publicKey;
    plan.env.VAPID_PRIVATE_KEY = keys.privateKey;
  }
  return plan;
}

/** A P-256 key pair as Web Push wants it: the uncompressed public point and the private scalar. */
function newVapidKeys(): string {
  const jwk = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
    format: 'jwk',
  });
  const point = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x as string, 'base64url'),
    Buffer.from(jwk.y as string, 'base64url'),
  ]);
  return JSON.stringify({ publicKey: point.toString('base64url'), privateKey: jwk.d });
}

/** Reads the secret, or writes a new random one readable by the owner only (0600). */
function loadOrCreateSecret(
  file: string,
  create: () => string = () => randomBytes(48).toString('base64'),
): { secret: string; created: boolean } {
  try {
    const secret = readFileSync(file, 'utf8').trim();
    if ((statSync(file).mode & 0o077) !== 0) {
      throw new Error(`${file} is readable by other users: chmod 600 it`);
    }
    return { secret, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = create();
  try {
    // `wx`: never overwrite a secret another process wrote in the meantime; read theirs instead.
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateSecret(file, create);
    throw error;
  }
  return { secret, created: true };
}
