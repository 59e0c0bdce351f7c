import { z } from 'zod';
import { base64OfLength, base64UrlOfLength } from './encoding.ts';

/** Bytes of the secret a client derives from the password (the server never sees the password). */
export const AUTH_SECRET_BYTES = 32;
/** Bytes of an opaque refresh token before base64url encoding. */
export const REFRESH_TOKEN_BYTES = 32;

/**
 * ASCII letters, digits, dot, dash and underscore, so two usernames cannot look alike; unique
 * regardless of case ("Alice" and "alice" are the same account).
 */
export const username = z
  .string()
  .regex(
    /^[A-Za-z0-9._-]{3,32}$/,
    'must be 3 to 32 characters: letters, digits, dot, dash, underscore',
  );

export const displayName = z.string().trim().min(1).max(64);

/** The public keys a device publishes; its secret keys never leave it. */
export const newDevice = z.strictObject({
  name: z.string().trim().min(1).max(64),
  boxPublicKey: base64OfLength(32),
  signPublicKey: base64OfLength(32),
});
export type NewDevice = z.infer<typeof newDevice>;

export const registerRequest = z.strictObject({
  username,
  displayName: displayName.optional(),
  authSecret: base64OfLength(AUTH_SECRET_BYTES),
  device: newDevice,
});
export type RegisterRequest = z.infer<typeof registerRequest>;

export const loginRequest = z.strictObject({
  username,
  authSecret: base64OfLength(AUTH_SECRET_BYTES),
  device: newDevice,
});
export type LoginRequest = z.infer<typeof loginRequest>;

export const refreshToken = base64UrlOfLength(REFRESH_TOKEN_BYTES);

export const refreshRequest = z.strictObject({ refreshToken });
export type RefreshRequest = z.infer<typeof refreshRequest>;

export const userView = z.object({
  id: z.uuid(),
  username: z.string(),
  displayName: z.string(),
  createdAt: z.iso.datetime(),
});
export type UserView = z.infer<typeof userView>;

export const deviceView = z.object({
  id: z.uuid(),
  name: z.string(),
  boxPublicKey: z.string(),
  signPublicKey: z.string(),
  createdAt: z.iso.datetime(),
  revokedAt: z.iso.datetime().nullable(),
});
export type DeviceView = z.infer<typeof deviceView>;

export const tokenPair = z.object({
  accessToken: z.string(),
  /** Seconds until the access token expires. */
  accessTokenExpiresIn: z.number().int().positive(),
  refreshToken,
});
export type TokenPair = z.infer<typeof tokenPair>;

/** The answer to register and login. */
export const sessionResponse = tokenPair.extend({ user: userView, device: deviceView });
export type SessionResponse = z.infer<typeof sessionResponse>;

/** The answer to refresh. */
export const refreshResponse = tokenPair;
export type RefreshResponse = z.infer<typeof refreshResponse>;
