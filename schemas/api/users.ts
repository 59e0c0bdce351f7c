import { z } from 'zod';
import { username, userView } from './auth.ts';

/**
 * Finding someone to write to: one exact username (compared case-insensitively), never a prefix or
 * a pattern.
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

/** Shorter beginnings would match too many people to be worth an answer (and list accounts faster). */
export const USER_SEARCH_MIN_CHARACTERS = 3;
/** A display name is at most 64 characters: a longer beginning matches nobody. */
export const USER_SEARCH_MAX_CHARACTERS = 64;
/** At most this many people per answer: type more to narrow it. */
export const USER_SEARCH_MAX_RESULTS = 20;

/**
 * The beginning of a username or of a display name, compared case-insensitively. Every character
 * is taken literally (`%` and `_` are no patterns).
 */
export const userSearchRequest = z.strictObject({
  query: z
    .string()
    .trim()
    .refine((value) => !/[\p{Cc}\p{Cs}]/u.test(value), 'must not contain control characters')
    .refine((value) => {
      const characters = [...value].length;
      return characters >= USER_SEARCH_MIN_CHARACTERS && characters <= USER_SEARCH_MAX_CHARACTERS;
    }, `must be ${USER_SEARCH_MIN_CHARACTERS} to ${USER_SEARCH_MAX_CHARACTERS} characters`),
});
export type UserSearchRequest = z.infer<typeof userSearchRequest>;

export const userSearchResponse = z.object({
  users: z.array(publicProfile).max(USER_SEARCH_MAX_RESULTS),
});
export type UserSearchResponse = z.infer<typeof userSearchResponse>;
