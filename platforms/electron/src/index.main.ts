import { join } from 'node:path';
import { startDesktop } from './desktop.main.ts';

// The bundle (build/main.cjs) sits beside the preload and the copied web build.
startDesktop({
  webRoot: join(__dirname, 'web'),
  preloadPath: join(__dirname, 'preload.cjs'),
}).catch((error: unknown) => {
  console.error('AnoChat could not start', error);
  process.exit(1);
});
