import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningCryptoServer, startCryptoServer } from '@anochat/crypto-native/node';

/** The real native crypto-native server on a unix socket in a temporary folder. */
export async function startTestCryptoServer(): Promise<
  RunningCryptoServer & { cleanup(): Promise<void> }
> {
  const folder = mkdtempSync(join(tmpdir(), 'anochat-sync-crypto-'));
  const server = await startCryptoServer(`unix:${join(folder, 'crypto.sock')}`);
  return {
    ...server,
    async cleanup() {
      await server.stop();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
