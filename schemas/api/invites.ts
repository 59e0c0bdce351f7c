import { z } from 'zod';
import { base64UrlOfLength } from './encoding.ts';
import { publicProfile } from './users.ts';

/** Random bytes of an invite token (256 bits) before base64url encoding: 43 characters. */
export const INVITE_TOKEN_BYTES = 32;
export const inviteToken = base64UrlOfLength(INVITE_TOKEN_BYTES);

/** How long an invite works unless its maker says otherwise: a week. */
export const INVITE_DEFAULT_HOURS = 168;
/** The longest an invite may work: 30 days. */
export const INVITE_MAX_HOURS = 720;

/**
 * A new invite: to a direct conversation with its maker (`conversationId` null or left out), or
 * into a group the maker administers.
 */
export const createInviteRequest = z.strictObject({
  conversationId: z.uuid().nullable().optional(),
  expiresInHours: z.number().int().min(1).max(INVITE_MAX_HOURS).optional(),
});
export type CreateInviteRequest = z.infer<typeof createInviteRequest>;

/** An invite as its maker sees it; the token itself is shown once, when it is made. */
export const inviteView = z.object({
  id: z.uuid(),
  conversationId: z.uuid().nullable(),
  createdAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
});
export type InviteView = z.infer<typeof inviteView>;

export const createInviteResponse = z.object({ invite: inviteView, token: inviteToken });
export type CreateInviteResponse = z.infer<typeof createInviteResponse>;

export const inviteListResponse = z.object({ invites: z.array(inviteView) });
export type InviteListResponse = z.infer<typeof inviteListResponse>;

/** Reading (`/open`) or using (`/redeem`) an invite: only its token is needed. */
export const inviteTokenRequest = z.strictObject({ token: inviteToken });
export type InviteTokenRequest = z.infer<typeof inviteTokenRequest>;

/** What an invite leads to, told to whoever holds its token: who invites, and to what. */
export const openInviteResponse = z.object({
  kind: z.enum(['direct', 'group']),
  inviter: publicProfile,
  /** The group's id; null for an invite to a direct conversation with the inviter. */
  conversationId: z.uuid().nullable(),
  expiresAt: z.string(),
});
export type OpenInviteResponse = z.infer<typeof openInviteResponse>;

/**
 * A group invite used: the caller is now an accepted member of `conversationId`. A direct invite
 * used: `conversationId` is null, and the caller starts the direct conversation with `inviter` as
 * with anyone found by name.
 */
export const redeemInviteResponse = openInviteResponse.omit({ expiresAt: true });
export type RedeemInviteResponse = z.infer<typeof redeemInviteResponse>;
