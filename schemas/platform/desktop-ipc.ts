import { z } from 'zod';
import { DESKTOP_REQUESTS, type DesktopRequest } from './desktop-bridge.ts';
import { badgeCount, messageNotice } from './message-notice.ts';
import { secretName, secretValue } from './secrets.ts';
import { MAX_SERVER_URL_LENGTH } from './server-origin.ts';

/** The arguments of each desktop request, checked by the main process before it does anything. */
export const desktopRequestArguments = {
  [DESKTOP_REQUESTS.startup]: z.tuple([]),
  [DESKTOP_REQUESTS.chooseServer]: z.tuple([z.string().max(MAX_SERVER_URL_LENGTH)]),
  [DESKTOP_REQUESTS.getSecret]: z.tuple([secretName]),
  [DESKTOP_REQUESTS.setSecret]: z.tuple([secretName, secretValue]),
  [DESKTOP_REQUESTS.deleteSecret]: z.tuple([secretName]),
  [DESKTOP_REQUESTS.notify]: z.tuple([messageNotice]),
  [DESKTOP_REQUESTS.setBadge]: z.tuple([badgeCount]),
} satisfies Record<DesktopRequest, z.ZodType>;

export type DesktopRequestArguments = {
  [K in DesktopRequest]: z.infer<(typeof desktopRequestArguments)[K]>;
};
