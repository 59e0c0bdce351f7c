/** The URL scheme the desktop and mobile apps register with the operating system. */
export const DEEP_LINK_SCHEME = 'anochat';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** The app's pages a link from outside may open; anything else is ignored, never navigated to. */
const LINKABLE_ROUTES = [
  /^\/chats$/,
  new RegExp(`^/chats/${UUID}$`),
  new RegExp(`^/chats/${UUID}/info$`),
  /^\/new\/direct$/,
  /^\/new\/group$/,
  /^\/settings$/,
];

export function isLinkableRoute(route: string): boolean {
  return LINKABLE_ROUTES.some((pattern) => pattern.test(route));
}

/**
 * The app route an `anochat://` link opens (`anochat://chats/<id>` -> `/chats/<id>`), or null for
 * anything that is not such a link to a linkable page. Query strings and fragments are dropped:
 * a link can choose a page, never what the page does.
 */
export function routeOfDeepLink(link: string): string | null {
  if (link.length > 512) return null;
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return null;
  }
  if (url.protocol !== `${DEEP_LINK_SCHEME}:`) return null;
  const route = `/${url.host}${url.pathname}`.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');
  return isLinkableRoute(route.toLowerCase()) ? route.toLowerCase() : null;
}
