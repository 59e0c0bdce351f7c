import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server where throwaway databases are created; override for another PostgreSQL. */
const ADMIN_URL =
  process.env.TEST_POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function asAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const OBJECT_IN_USE = '55006';

/**
 * pg's Pool.end() resolves before its sockets have closed. A forced drop at that moment kills the
 * closing connections, and their clients raise the error with no listener left: an uncaught
 * exception in whichever test runs then. So wait (up to 5 s) for the connections to leave, and
 * force only what is still there after that.
 */
async function dropDatabase(name: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    try {
      await asAdmin(`DROP DATABASE IF EXISTS ${name}`);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== OBJECT_IN_USE) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  await asAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/** A fresh, empty database (anochat_test_<random>) that drop() removes, connections and all. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `anochat_test_${randomBytes(6).toString('hex')}`;
  await asAdmin(`CREATE DATABASE ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => dropDatabase(name),
  };
}
