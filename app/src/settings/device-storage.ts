/**
 * The browser's per-device storage where there is one: the account code also runs in Node (the
 * chaos harness), without it, and then settings read as their defaults.
 */
export const deviceStorage = () =>
  (
    globalThis as {
      localStorage?: {
        getItem(key: string): string | null;
        setItem(key: string, value: string): void;
      };
    }
  ).localStorage;
