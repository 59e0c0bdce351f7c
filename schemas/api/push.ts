import { z } from 'zod';

/**
 * Web Push (docs/protocol.md, "Web Push"): a web app's device tells the server where its browser's
 * push service expects pushes (RFC 8030) and the keys that encrypt them (RFC 8291); when a message
 * is stored for its user, the server sends that device a push that carries no message content.
 */

/** Unpadded base64url (RFC 4648 section 5), as `PushSubscription.toJSON()` gives keys. */
const base64url = (bytes: number) =>
  z
    .string()
    .length(Math.ceil((bytes * 4) / 3))
    .regex(/^[A-Za-z0-9_-]+$/, 'must be unpadded base64url');

/** An uncompressed P-256 public key (65 bytes) and a 16-byte authentication secret. */
export const pushSubscriptionKeys = z.strictObject({
  p256dh: base64url(65),
  auth: base64url(16),
});

/**
 * A push service's URL, at most 2048 characters. The server posts to it, so it refuses anything but
 * https (plain http only where a test server allows it: PUSH_TEST_ALLOW_HTTP).
 */
export const pushEndpoint = z
  .url({ protocol: /^https?$/ })
  .max(2048)
  .refine((url) => !/^https?:\/\/[^/]*@/.test(url), 'must not carry credentials');

/** `PUT /api/push/subscription`: this device's subscription (replaces the one it had). */
export const pushSubscriptionRequest = z.strictObject({
  endpoint: pushEndpoint,
  keys: pushSubscriptionKeys,
});
export type PushSubscriptionRequest = z.infer<typeof pushSubscriptionRequest>;

/**
 * `GET /api/push/vapid-public-key`: the server's VAPID public key (RFC 8292), an uncompressed P-256
 * point in base64url, which a browser needs as `applicationServerKey` to subscribe.
 */
export const vapidPublicKeyResponse = z.object({ publicKey: base64url(65) });
export type VapidPublicKeyResponse = z.infer<typeof vapidPublicKeyResponse>;

/**
 * What a push carries, encrypted for the receiving browser only (the push service cannot read it):
 * that a message arrived and in which conversation, never who sent it or what it says.
 */
export const pushPayload = z.strictObject({
  type: z.literal('message'),
  conversationId: z.uuid(),
});
export type PushPayload = z.infer<typeof pushPayload>;
