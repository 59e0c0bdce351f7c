import { randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { contentSecurityPolicy } from './security-headers.ts';

/** Paths the API and the sync socket own: never answered with the app's page. */
const SERVER_PATHS = /^\/(api|socket\.io)(\/|$)/;
/** A path whose last segment has an extension names a file: a miss is a 404, not the app. */
const FILE_LIKE = /\/[^/]*\.[^/]*$/;

function cacheHeaders(response: Response, path: string): void {
  // Vite fingerprints everything under assets/, so those never change; the page, the service
  // worker and the manifest must be revalidated or an update would never reach the browser.
  response.setHeader(
    'Cache-Control',
    path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  );
}

/**
 * The app's page with a fresh nonce per answer: in a meta tag Ionic reads for the `<style>`
 * elements it inserts, and in the answer's Content-Security-Policy. The file is read again only
 * when it changes (a new build).
 */
function pageServer(root: string) {
  let cached: { mtimeMs: number; html: string } | undefined;
  async function html(): Promise<string> {
    const path = join(root, 'index.html');
    const { mtimeMs } = await stat(path);
    if (cached?.mtimeMs !== mtimeMs) cached = { mtimeMs, html: await readFile(path, 'utf8') };
    return cached.html;
  }
  return (_request: Request, response: Response, next: NextFunction) => {
    html().then(
      (page) => {
        const nonce = randomBytes(16).toString('base64');
        response.setHeader('Content-Security-Policy', contentSecurityPolicy(nonce));
        response.setHeader('Cache-Control', 'no-cache');
        response
          .type('html')
          .send(
            page.replace(/<head>/i, `<head>\n    <meta name="csp-nonce" content="${nonce}" />`),
          );
      },
      () => next(),
    );
  };
}

/**
 * The built web app (app/dist) on the API's port: its files as they are, and its page for `/`,
 * `/index.html` (what the service worker precaches) and every other GET that is not an API path or
 * a file, so deep links (/chats/<id>) open the app. Dotfiles and paths outside the folder are
 * refused by express.static.
 */
export function webAppRoutes(directory: string): Router {
  const root = resolve(directory);
  const router = express.Router();
  const page = pageServer(root);
  router.get(['/', '/index.html'], page);
  router.use(express.static(root, { index: false, setHeaders: cacheHeaders }));
  router.get(/.*/, (request, response, next) => {
    if (SERVER_PATHS.test(request.path) || FILE_LIKE.test(request.path)) return next();
    page(request, response, next);
  });
  return router;
}
