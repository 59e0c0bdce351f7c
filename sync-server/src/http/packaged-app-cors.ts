import type { RequestHandler } from 'express';

/**
 * The origins the packaged apps' pages have: the desktop app's own scheme (platforms/electron),
 * Capacitor's on iOS and on Android. The web app is served by the server itself and needs none.
 */
export const PACKAGED_APP_ORIGINS: readonly string[] = [
  'app://anochat',
  'capacitor://localhost',
  'https://localhost',
  'http://localhost',
];

/**
 * Lets the packaged apps call the API from their own origins (CORS). Requests authenticate with a
 * bearer token, never a cookie, so a page of another origin gains nothing it could not do
 * anyway; other origins get no CORS headers and the browser keeps them out, as before.
 */
export function packagedAppCors(): RequestHandler {
  return (request, response, next) => {
    const origin = request.headers.origin;
    if (origin === undefined || !PACKAGED_APP_ORIGINS.includes(origin)) return next();
    response.setHeader('Access-Control-Allow-Origin', origin);
    response.append('Vary', 'Origin');
    if (request.method !== 'OPTIONS') return next();
    response.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE');
    response.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type');
    response.setHeader('Access-Control-Max-Age', '600');
    response.status(204).end();
  };
}
