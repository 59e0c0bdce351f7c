import type { NextFunction, Request, Response } from 'express';

/**
 * The web app's policy (docs/protocol.md, "Security headers"). The built app has no inline script:
 * Vite emits files, and nothing evaluates strings (the app turns zod's compiled parsers off and
 * validates RxDB documents with an interpreting validator). The one exception scripts need is
 * `wasm-unsafe-eval`, to compile the WebAssembly crypto module. Styles are files, plus the `<style>`
 * elements Ionic's components insert, which carry the page's nonce (`styleNonce`: the page is
 * served with `<meta name="csp-nonce">`, which Ionic reads); no other inline style runs. The socket
 * is same-origin (`connect-src 'self'` covers ws: and wss: to the page's host); images are the
 * app's files, `data:` (the safety-number QR code) and `blob:`; the service worker is `/sw.dom.js`.
 */
export function contentSecurityPolicy(styleNonce?: string): string {
  return [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    styleNonce === undefined ? "style-src 'self'" : `style-src 'self' 'nonce-${styleNonce}'`,
    "img-src 'self' data: blob:",
    // Attachment videos play from the decrypted file's blob: URL.
    "media-src 'self' blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "worker-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

/** Powerful features the app never uses, off for it and for anything it could ever embed. */
export const PERMISSIONS_POLICY = [
  'accelerometer',
  'camera',
  'display-capture',
  'geolocation',
  'gyroscope',
  'magnetometer',
  'microphone',
  'midi',
  'payment',
  'publickey-credentials-get',
  'serial',
  'usb',
]
  .map((feature) => `${feature}=()`)
  .join(', ');

const HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': contentSecurityPolicy(),
  'Permissions-Policy': PERMISSIONS_POLICY,
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  // For browsers that predate frame-ancestors.
  'X-Frame-Options': 'DENY',
};

/** API answers carry tokens, key backups and profiles: no cache (browser, proxy, CDN) may keep one. */
const API_PATH = /^\/api(\/|$)/;

export function securityHeaders(request: Request, response: Response, next: NextFunction): void {
  response.set(HEADERS);
  if (API_PATH.test(request.path)) response.set('Cache-Control', 'no-store');
  next();
}
