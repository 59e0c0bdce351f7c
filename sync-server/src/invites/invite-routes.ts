import {
  type CreateInviteResponse,
  createInviteRequest,
  INVITE_DEFAULT_HOURS,
  type InviteListResponse,
  inviteTokenRequest,
  type OpenInviteResponse,
  type RedeemInviteResponse,
} from '@anochat/schemas/api/invites';
import { type RequestHandler, Router } from 'express';
import { z } from 'zod';
import { authOf } from '../auth/require-auth.ts';
import type { Pool, Queryable } from '../database/pool.ts';
import { inTransaction } from '../database/transaction.ts';
import { AppError } from '../errors/app-error.ts';
import { parseBody } from '../http/parse-body.ts';
import type { RateLimiter } from '../rate-limit/rate-limiter.ts';
import type { ChangeNotice, SyncNotifier } from '../replication/live/notifier.ts';
import { CONVERSATION_SCOPED } from '../replication/push/types.ts';
import {
  currentMemberIds,
  eitherBlocks,
  findInviteByToken,
  groupStanding,
  insertInvite,
  joinGroup,
  listInvites,
  newInviteToken,
  recordRedemption,
  revokeInvite,
  type StoredInvite,
} from './invite-repository.ts';

export interface InviteLimits {
  perIp: number;
  perUser: number;
}

const inviteId = z.uuid();

/**
 * Whether the invite may be used by `userId` now; throws the reason it may not. An invite into a
 * group works only while its maker is an admin of it who accepted it, and of a group not deleted.
 */
async function usable(db: Queryable, token: string, userId: string): Promise<StoredInvite> {
  const invite = await findInviteByToken(db, token);
  if (invite === null) throw new AppError('NOT_FOUND', 'no such invite');
  if (invite.revoked) throw new AppError('INVITE_REVOKED', 'this invite was revoked');
  if (invite.expired) throw new AppError('INVITE_EXPIRED', 'this invite has expired');
  if (invite.conversationId === null && invite.createdBy === userId) {
    throw new AppError('VALIDATION_FAILED', 'token: this is your own invite');
  }
  if (await eitherBlocks(db, invite.createdBy, userId)) {
    throw new AppError('BLOCKED', 'you or its maker block the other');
  }
  if (invite.conversationId !== null) {
    const maker = await groupStanding(db, invite.conversationId, invite.createdBy);
    if (maker === null || maker.deleted || !maker.admin) {
      throw new AppError('INVITE_REVOKED', 'its maker no longer administers this group');
    }
  }
  return invite;
}

const answerOf = (invite: StoredInvite): RedeemInviteResponse => ({
  kind: invite.conversationId === null ? 'direct' : 'group',
  inviter: invite.inviter,
  conversationId: invite.conversationId,
});

export function inviteRoutes(deps: {
  pool: Pool;
  rateLimiter: RateLimiter;
  limits: InviteLimits;
  authenticated: RequestHandler;
  notifier: SyncNotifier;
}): Router {
  const { pool, rateLimiter, limits, authenticated, notifier } = deps;
  const router = Router();
  const spend = (request: { ip?: string | undefined }, userId: string) =>
    rateLimiter.consume([
      { key: `invite-ip:${request.ip ?? 'unknown'}`, max: limits.perIp },
      { key: `invite-user:${userId}`, max: limits.perUser },
    ]);

  router.post('/api/invites', authenticated, async (request, response) => {
    const { conversationId = null, expiresInHours = INVITE_DEFAULT_HOURS } = parseBody(
      createInviteRequest,
      request,
    );
    const { userId } = authOf(response);
    if (conversationId !== null) {
      const standing = await groupStanding(pool, conversationId, userId);
      if (standing === null || !standing.member || standing.deleted || standing.kind !== 'group') {
        throw new AppError('NOT_FOUND', 'no such group of yours');
      }
      if (!standing.admin) throw new AppError('NOT_ADMIN', 'only admins invite into a group');
    }
    await spend(request, userId);
    const { token, hash } = newInviteToken();
    const invite = await insertInvite(pool, {
      createdBy: userId,
      conversationId,
      hash,
      hours: expiresInHours,
    });
    const body: CreateInviteResponse = { invite, token };
    response.status(201).json(body);
  });

  router.get('/api/invites', authenticated, async (_request, response) => {
    const body: InviteListResponse = { invites: await listInvites(pool, authOf(response).userId) };
    response.json(body);
  });

  router.delete('/api/invites/:id', authenticated, async (request, response) => {
    // A malformed id, someone else's invite and no invite at all look the same: 404.
    const id = inviteId.safeParse(request.params.id);
    if (!id.success || !(await revokeInvite(pool, authOf(response).userId, id.data))) {
      throw new AppError('NOT_FOUND', 'no such invite');
    }
    response.status(204).end();
  });

  // POST, not GET: the token stays out of URLs, proxies' logs and caches.
  router.post('/api/invites/open', authenticated, async (request, response) => {
    const { token } = parseBody(inviteTokenRequest, request);
    const { userId } = authOf(response);
    await spend(request, userId);
    const invite = await usable(pool, token, userId);
    const body: OpenInviteResponse = { ...answerOf(invite), expiresAt: invite.expiresAt };
    response.json(body);
  });

  router.post('/api/invites/redeem', authenticated, async (request, response) => {
    const { token } = parseBody(inviteTokenRequest, request);
    const { userId } = authOf(response);
    await spend(request, userId);
    const { invite, notice } = await inTransaction(pool, async (client) => {
      const found = await usable(client, token, userId);
      await recordRedemption(client, found.id, userId);
      const groupId = found.conversationId;
      if (groupId === null || !(await joinGroup(client, groupId, userId, found.createdBy))) {
        return { invite: found, notice: null };
      }
      // Told before the commit, as a push does (replication/sync-service.ts): the members'
      // devices then receive the newcomer and its devices, and the device that owns each epoch
      // wraps its key for them, exactly as for a member an admin added.
      const { rows } = await client.query<{ xid: string }>(
        'SELECT pg_current_xact_id()::text AS xid',
      );
      const changed: ChangeNotice = {
        userIds: await currentMemberIds(client, groupId),
        collections: CONVERSATION_SCOPED,
        xid: rows[0]?.xid,
      };
      await notifier.publish(changed);
      return { invite: found, notice: changed };
    });
    if (notice !== null) notifier.committed(notice);
    const body: RedeemInviteResponse = answerOf(invite);
    response.json(body);
  });

  return router;
}
