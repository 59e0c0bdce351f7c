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

const ALLOWED_HEADERS =
  'Authorization, Content-Type, Range, Tus-Resumable, Upload-Length, Upload-Metadata, Upload-Offset';
const EXPOSED_HEADERS =
  'Location, Upload-Offset, Upload-Length, Tus-Resumable, Content-Range, Accept-Ranges, X-Request-Id';

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
    if (request.method !== 'OPTIONS') {
      // Attachment uploads (tus) and ranged downloads answer with headers the app must read.
      response.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
      return next();
    }
    response.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, POST, PUT, PATCH, DELETE');
    response.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
    response.setHeader('Access-Control-Max-Age', '600');
    response.status(204).end();
  };
}
