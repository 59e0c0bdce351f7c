import {
  type CreateInviteResponse,
  inviteToken,
  type OpenInviteResponse,
  type RedeemInviteResponse,
} from '@anochat/schemas/api/invites';
import type { ServerApi } from '../api/server-api.ts';
import type { SessionService } from '../session/session-service.ts';

/** Whether `text` has the shape of an invite token (anything else is not sent to the server). */
export function isInviteToken(text: string): boolean {
  return inviteToken.safeParse(text).success;
}

/**
 * The link someone opens to use an invite: on the server's own web app, which serves every page
 * (a packaged app names its server; the web app runs on it).
 */
export function inviteLink(serverOrigin: string, token: string): string {
  return `${serverOrigin.replace(/\/+$/, '')}/invite/${token}`;
}

/** Where an invite opened while signed out waits for the login or registration to finish. */
export interface PendingInvite {
  remember(token: string): void;
  /** The waiting token, once: the next call answers null. */
  take(): string | null;
}

const PENDING_KEY = 'anochat-pending-invite';

/** The part of the Web Storage API kept to (the browser's sessionStorage in the app). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function pendingInvite(storage: KeyValueStorage): PendingInvite {
  return {
    remember(token) {
      if (isInviteToken(token)) storage.setItem(PENDING_KEY, token);
    },
    take() {
      const token = storage.getItem(PENDING_KEY);
      if (token === null) return null;
      storage.removeItem(PENDING_KEY);
      return isInviteToken(token) ? token : null;
    },
  };
}

/** The invite routes (docs/protocol.md, "Invites") with the session's token. */
export function createInviteActions(api: ServerApi, session: SessionService) {
  return {
    /** An invite to a direct conversation with oneself, or (`conversationId`) into a group. */
    create(conversationId: string | null): Promise<CreateInviteResponse> {
      return session.authenticated((token) => api.createInvite(token, { conversationId }));
    },
    revoke(inviteId: string): Promise<void> {
      return session.authenticated((token) => api.revokeInvite(token, inviteId));
    },
    open(inviteTokenText: string): Promise<OpenInviteResponse> {
      return session.authenticated((token) => api.openInvite(token, inviteTokenText));
    },
    redeem(inviteTokenText: string): Promise<RedeemInviteResponse> {
      return session.authenticated((token) => api.redeemInvite(token, inviteTokenText));
    },
  };
}

export type InviteActions = ReturnType<typeof createInviteActions>;
