import { z } from 'zod';

/**
 * Device secrets are named by identifiers, so that every store (IndexedDB, Electron's vault file,
 * the Keychain, the Android Keystore) can use the name as a key or a file name.
 */
export const SECRET_NAME_PATTERN = /^[a-z][a-z0-9-]{0,63}$/;

/** The largest secret value: device key pairs and seeds in base64 are far below it. */
export const MAX_SECRET_LENGTH = 64 * 1024;

export const secretName = z.string().regex(SECRET_NAME_PATTERN);
export const secretValue = z.string().max(MAX_SECRET_LENGTH);
