import { resolve } from 'node:path';
import express, { type Response, type Router } from 'express';

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
 * The built web app (app/dist) on the API's port: its files as they are, and its page for every
 * other GET that is not an API path, so deep links (/chats/<id>) open the app. Dotfiles and paths
 * outside the folder are refused by express.static.
 */
export function webAppRoutes(directory: string): Router {
  const root = resolve(directory);
  const router = express.Router();
  router.use(express.static(root, { index: 'index.html', setHeaders: cacheHeaders }));
  router.get(/.*/, (request, response, next) => {
    if (SERVER_PATHS.test(request.path) || FILE_LIKE.test(request.path)) return next();
    response.setHeader('Cache-Control', 'no-cache');
    response.sendFile('index.html', { root }, (error) => {
      if (error) next();
    });
  });
  return router;
}
