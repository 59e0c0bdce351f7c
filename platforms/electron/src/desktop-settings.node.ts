import { parseServerOrigin } from '@anochat/schemas/platform/server-origin';
import { z } from 'zod';
import { readJsonFile, serialized, writeJsonFileAtomically } from './json-file.node.ts';

const windowState = z.strictObject({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().min(200).max(20_000),
  height: z.number().int().min(200).max(20_000),
  maximized: z.boolean(),
});

export type WindowState = z.infer<typeof windowState>;

const settingsFile = z.object({
  serverUrl: z.string().nullable().catch(null),
  window: windowState.nullable().catch(null),
});

export type DesktopSettings = z.infer<typeof settingsFile>;

const DEFAULTS: DesktopSettings = { serverUrl: null, window: null };

/**
 * The desktop app's own settings (not secrets): the chosen server and the window's place. Read
 * once at start; a damaged file falls back to the defaults field by field.
 */
export async function loadDesktopSettings(file: string) {
  const parsed = settingsFile.safeParse(await readJsonFile(file));
  const current: DesktopSettings = parsed.success ? parsed.data : { ...DEFAULTS };
  if (current.serverUrl !== null && 'problem' in parseServerOrigin(current.serverUrl)) {
    current.serverUrl = null;
  }
  const queue = serialized();
  const persist = () => queue(() => writeJsonFileAtomically(file, current));

  return {
    serverUrl: (): string | null => current.serverUrl,
    window: (): WindowState | null => current.window,
    async setServerUrl(origin: string): Promise<void> {
      current.serverUrl = origin;
      await persist();
    },
    async setWindow(state: WindowState): Promise<void> {
      current.window = state;
      await persist();
    },
  };
}

export type DesktopSettingsStore = Awaited<ReturnType<typeof loadDesktopSettings>>;
