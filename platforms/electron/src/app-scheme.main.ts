import { readFile, realpath } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';

/**
 * This module uses no Electron API, so the end-to-end tests serve the app with this very handler.
 * The renderer is the web app's Vite build, served from a privileged scheme of the app's own
 * (never `file://`, which would give every page access to the whole disk, and never a remote
 * URL). `standard` and `secure` give the pages a real origin, so IndexedDB, the Fetch API and
 * history routing behave as on the web.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'anochat';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** What the scheme may do; no service workers, no CSP bypass, no CORS for other origins. */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  codeCache: true,
} as const;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

function plain(status: number, text: string, csp: string): Response {
  return new Response(text, {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Security-Policy': csp },
  });
}

/**
 * Answers `app://anochat/...`: the build's files as they are, and its page for any other path
 * without a file extension (so /chats/<id> opens the app, as on the web). Every answer carries
 * the Content-Security-Policy; paths outside the build (`..`, symlinks out) are refused.
 */
export function createAppSchemeHandler(options: {
  webRoot: string;
  contentSecurityPolicy(): string;
}): (request: Request) => Promise<Response> {
  const rootPromise = realpath(options.webRoot);

  async function fileAnswer(file: string, csp: string): Promise<Response | null> {
    const root = await rootPromise;
    let resolved: string;
    try {
      resolved = await realpath(file);
    } catch {
      return null;
    }
    if (resolved !== root && !resolved.startsWith(root + sep)) return plain(403, 'forbidden', csp);
    let body: Buffer;
    try {
      body = await readFile(resolved);
    } catch {
      return null;
    }
    return new Response(new Uint8Array(body), {
      status: 200,
      headers: {
        'Content-Type': CONTENT_TYPES[extname(resolved)] ?? 'application/octet-stream',
        'Content-Security-Policy': csp,
        'X-Content-Type-Options': 'nosniff',
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Referrer-Policy': 'no-referrer',
        'Cache-Control': 'no-cache',
      },
    });
  }

  return async (request) => {
    const csp = options.contentSecurityPolicy();
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return plain(404, 'not found', csp);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return plain(405, 'method not allowed', csp);
    }
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      return plain(400, 'bad path', csp);
    }
    if (path.includes('\0')) return plain(400, 'bad path', csp);
    const relative = normalize(path).replace(/^([/\\])+/, '');
    if (relative.split(/[/\\]/).includes('..')) return plain(403, 'forbidden', csp);
    const root = await rootPromise;
    const target = relative === '' ? 'index.html' : relative;
    const file = await fileAnswer(join(root, target), csp);
    if (file !== null) return file;
    if (extname(target) !== '') return plain(404, 'not found', csp);
    return (await fileAnswer(join(root, 'index.html'), csp)) ?? plain(404, 'not found', csp);
  };
}

/**
 * The origin of a URL as Chromium sees it. Node's URL gives custom schemes the origin "null",
 * so `app://anochat/x` is recognised here by its scheme and host.
 */
export function originOf(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return parsed.origin;
  if (parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST) return APP_ORIGIN;
  return null;
}
