import { DEEP_LINK_SCHEME, routeOfDeepLink } from '@anochat/schemas/platform/deep-links';
import type { App } from 'electron';

/**
 * The page an `anochat://` link in a command line asks for: Windows and Linux start the app (or
 * a second instance, which hands its command line over) with the link as an argument.
 */
export function routeFromCommandLine(argv: readonly string[]): string | null {
  for (const argument of argv) {
    if (!argument.startsWith(`${DEEP_LINK_SCHEME}:`)) continue;
    const route = routeOfDeepLink(argument);
    if (route !== null) return route;
  }
  return null;
}

/**
 * Makes this app the handler of `anochat://` links. In development Electron runs the app as a
 * script, so the command line that opens a link must name the script too.
 */
export function registerLinkHandler(
  app: Pick<App, 'setAsDefaultProtocolClient' | 'isPackaged'>,
  process: Pick<NodeJS.Process, 'execPath' | 'argv' | 'defaultApp'>,
): boolean {
  if (process.defaultApp && process.argv[1] !== undefined) {
    return app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME, process.execPath, [process.argv[1]]);
  }
  return app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME);
}
