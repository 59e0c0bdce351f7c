import type {
  DesktopAnswer,
  DesktopFailure,
  DesktopRequest,
} from '@anochat/schemas/platform/desktop-bridge';
import {
  type DesktopRequestArguments,
  desktopRequestArguments,
} from '@anochat/schemas/platform/desktop-ipc';
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { APP_ORIGIN, originOf } from './app-scheme.main.ts';

export type RequestHandlers = {
  [K in DesktopRequest]: (...args: DesktopRequestArguments[K]) => Promise<unknown> | unknown;
};

/** A request's failure with a code, answered to the renderer (never thrown across IPC). */
export class DesktopRequestError extends Error {
  constructor(
    readonly code: DesktopFailure['error']['code'],
    message: string,
  ) {
    super(message);
  }
}

/**
 * Only the app's own page may call the main process: the top frame of one of the app's windows,
 * showing the app's origin. A frame inside it, a page the window was somehow navigated to, or a
 * web contents the app did not create is refused.
 */
export function isTrustedSender(
  event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>,
  appContentsIds: () => ReadonlySet<number>,
): boolean {
  const frame = event.senderFrame;
  if (frame === null || frame === undefined) return false;
  if (!appContentsIds().has(event.sender.id)) return false;
  if (frame !== event.sender.mainFrame) return false;
  return originOf(frame.url) === APP_ORIGIN;
}

function failure(code: DesktopFailure['error']['code'], message: string): DesktopFailure {
  return { error: { code, message } };
}

/**
 * Registers one handler per request. Each checks the sender, then the arguments against the
 * contract's schema, and only then runs; what it returns or throws becomes `{ ok }` or
 * `{ error: { code, message } }`.
 */
export function handleDesktopRequests(
  ipc: Pick<IpcMain, 'handle'>,
  options: {
    appContentsIds(): ReadonlySet<number>;
    handlers: RequestHandlers;
    onRefused(channel: string, code: string): void;
  },
): void {
  for (const channel of Object.keys(desktopRequestArguments) as DesktopRequest[]) {
    const schema = desktopRequestArguments[channel];
    const handler = options.handlers[channel] as (...args: unknown[]) => unknown;
    ipc.handle(channel, async (event, ...args: unknown[]): Promise<DesktopAnswer<unknown>> => {
      if (!isTrustedSender(event, options.appContentsIds)) {
        options.onRefused(channel, 'FORBIDDEN_SENDER');
        return failure('FORBIDDEN_SENDER', 'this frame may not use the desktop bridge');
      }
      const parsed = schema.safeParse(args);
      if (!parsed.success) {
        options.onRefused(channel, 'INVALID_ARGUMENTS');
        return failure('INVALID_ARGUMENTS', `invalid arguments for ${channel}`);
      }
      try {
        return { ok: (await handler(...parsed.data)) ?? null };
      } catch (error) {
        if (error instanceof DesktopRequestError) return failure(error.code, error.message);
        options.onRefused(channel, 'FAILED');
        return failure('FAILED', `${channel} failed`);
      }
    });
  }
}
