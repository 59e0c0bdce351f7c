import { z } from 'zod';

/**
 * Imported first by main.ts, before any schema is built. The server's Content-Security-Policy
 * allows no eval; zod checks whether it may compile parsers with `new Function` when each object
 * schema is created (a check the browser reports as a violation) unless told not to. It parses
 * just as well without.
 */
z.config({ jitless: true });
