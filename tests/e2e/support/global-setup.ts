import { startStack } from './stack.ts';

/**
 * Starts the stack once for the run; tests reach it at ANOCHAT_URL (and its database at
 * ANOCHAT_DATABASE_URL). Returns the teardown.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const stack = await startStack();
  process.env.ANOCHAT_URL = stack.url;
  process.env.ANOCHAT_DATABASE_URL = stack.databaseUrl;
  return () => stack.stop();
}
