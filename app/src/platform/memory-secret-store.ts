import { checkSecretName, type SecretStore } from './platform.ts';

/** Secrets kept in memory only: for tests and tools that run the app's code under Node. */
export function createMemorySecretStore(): SecretStore {
  const values = new Map<string, string>();
  return {
    protectedAtRest: false,
    async get(name) {
      checkSecretName(name);
      return values.get(name) ?? null;
    },
    async set(name, value) {
      checkSecretName(name);
      values.set(name, value);
    },
    async delete(name) {
      checkSecretName(name);
      values.delete(name);
    },
  };
}
