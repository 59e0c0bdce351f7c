import type { SafeStorage } from 'electron';
import { z } from 'zod';
import { readJsonFile, serialized, writeJsonFileAtomically } from './json-file.node.ts';

const vaultFile = z.strictObject({
  version: z.literal(1),
  secrets: z.record(z.string(), z.string()),
});

export interface SecretVault {
  /** Whether the operating system's key store protects the values (false for Linux's basic_text). */
  protectedAtRest(): Promise<boolean>;
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}

/**
 * Device secrets in one file of the profile, each value encrypted with `safeStorage` (macOS
 * Keychain, Windows DPAPI, libsecret or KWallet on Linux) and stored as base64. The file holds no
 * plaintext; the key that opens it never leaves the operating system's store.
 */
export function createSecretVault(options: {
  file: string;
  safeStorage: Pick<
    SafeStorage,
    'isAsyncEncryptionAvailable' | 'encryptStringAsync' | 'decryptStringAsync'
  > &
    Partial<Pick<SafeStorage, 'getSelectedStorageBackend'>>;
  platform: NodeJS.Platform;
}): SecretVault {
  const { safeStorage } = options;
  const queue = serialized();

  async function load(): Promise<Map<string, string>> {
    const parsed = vaultFile.safeParse(await readJsonFile(options.file));
    return new Map(parsed.success ? Object.entries(parsed.data.secrets) : []);
  }

  async function save(secrets: Map<string, string>): Promise<void> {
    await writeJsonFileAtomically(options.file, {
      version: 1,
      secrets: Object.fromEntries(secrets),
    });
  }

  async function requireEncryption(): Promise<void> {
    if (!(await safeStorage.isAsyncEncryptionAvailable())) {
      throw new Error('the operating system secret store is not available');
    }
  }

  return {
    async protectedAtRest() {
      if (!(await safeStorage.isAsyncEncryptionAvailable())) return false;
      // Without a keyring, Linux "encrypts" with a fixed key: stored, but not protected.
      return (
        options.platform !== 'linux' || safeStorage.getSelectedStorageBackend?.() !== 'basic_text'
      );
    },
    get: (name) =>
      queue(async () => {
        const sealed = (await load()).get(name);
        if (sealed === undefined) return null;
        await requireEncryption();
        const opened = await safeStorage.decryptStringAsync(Buffer.from(sealed, 'base64'));
        if (opened.shouldReEncrypt) {
          const secrets = await load();
          secrets.set(
            name,
            (await safeStorage.encryptStringAsync(opened.result)).toString('base64'),
          );
          await save(secrets);
        }
        return opened.result;
      }),
    set: (name, value) =>
      queue(async () => {
        await requireEncryption();
        const sealed = (await safeStorage.encryptStringAsync(value)).toString('base64');
        const secrets = await load();
        secrets.set(name, sealed);
        await save(secrets);
      }),
    delete: (name) =>
      queue(async () => {
        const secrets = await load();
        if (!secrets.delete(name)) return;
        await save(secrets);
      }),
  };
}
