/**
 * `node --import tsx --import ./test/support/use-electron-double.ts --test ...`: from here on,
 * `import ... from 'electron'` loads electron-double.ts, because Electron's binary cannot be
 * downloaded on this machine (see electron-double.ts).
 */
import { register } from 'node:module';

register('./electron-resolver.ts', import.meta.url);
