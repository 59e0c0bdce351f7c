import { z } from 'zod';
import { username, userView } from './auth.ts';

/**
 * Finding someone to write to: one exact username (compared case-insensitively), never a prefix or
 * a pattern, so nobody can list the accounts of the server.
 */
export const userLookupRequest = z.strictObject({ username });
export type UserLookupRequest = z.infer<typeof userLookupRequest>;

/** What a stranger may know of a user: the fields of a `users` document, no more. */
export const publicProfile = userView.pick({
  id: true,
  username: true,
  displayName: true,
  identityPublicKey: true,
});
export type PublicProfile = z.infer<typeof publicProfile>;

export const userLookupResponse = z.object({ user: publicProfile });
export type UserLookupResponse = z.infer<typeof userLookupResponse>;
