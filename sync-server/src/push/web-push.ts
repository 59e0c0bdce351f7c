import {
  type PushPayload,
  pushSubscriptionRequest,
  type VapidPublicKeyResponse,
} from '@anochat/schemas/api/push';
import { type RequestHandler, Router } from 'express';
import webPush from 'web-push';
import { authOf } from '../auth/require-auth.ts';
import type { Config } from '../config/config.ts';
import type { Pool } from '../database/pool.ts';
import { AppError } from '../errors/app-error.ts';
import { parseBody } from '../http/parse-body.ts';
import type { Logger } from '../logging/logger.ts';
import type { Author } from '../replication/author.ts';

/** A push service keeps an undelivered push this long (the device may be off for a night). */
const PUSH_TTL_SECONDS = 24 * 60 * 60;
/** A push service that has not answered by then is given up on (the next message tries again). */
const PUSH_TIMEOUT_MS = 10_000;

interface Due {
  device_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  conversation_id: string;
}

export interface WebPush {
  routes: Router;
  /** After a commit that stored new messages: push their recipients' other devices. */
  messagesStored(author: Author, conversationIds: readonly string[]): void;
  /** Resolves when every push started so far has been answered (or given up on). */
  idle(): Promise<void>;
}

/**
 * Web Push (docs/protocol.md, "Web Push"). A device of the web app registers its browser's push
 * subscription; when a message is stored, every subscribed device of every other current member
 * of its conversation (unless that member muted it) gets a push, at most one per device per
 * PUSH_COALESCE_SECONDS. A push says only "a message arrived in conversation X", encrypted for the
 * browser (RFC 8291): the push service learns nothing but its size and time, and the app decrypts
 * the message itself after it syncs. A subscription the push service answers 404 or 410 for is
 * gone for good (the person revoked the permission, the browser dropped it): it is deleted.
 */
export function createWebPush(deps: {
  pool: Pool;
  logger: Logger;
  authenticated: RequestHandler;
  config: Config['webPush'];
}): WebPush {
  const { pool, logger, config, authenticated } = deps;
  const { vapid } = config;
  const inFlight = new Set<Promise<void>>();
  const router = Router();

  function requireWebPush(): NonNullable<typeof vapid> {
    if (vapid === null) throw new AppError('NOT_FOUND', 'Web Push is off on this server');
    return vapid;
  }

  router.get('/api/push/vapid-public-key', (_request, response) => {
    const body: VapidPublicKeyResponse = { publicKey: requireWebPush().publicKey };
    response.json(body);
  });

  router.put('/api/push/subscription', authenticated, async (request, response) => {
    requireWebPush();
    const { userId, deviceId } = authOf(response);
    const subscription = parseBody(pushSubscriptionRequest, request);
    if (!config.allowHttpEndpoints && !subscription.endpoint.startsWith('https://')) {
      throw new AppError('VALIDATION_FAILED', 'endpoint: must be an https:// URL');
    }
    // One browser, one endpoint: a device of another account that had it (signed out here) drops it.
    await pool.query({
      name: 'push-subscription-put',
      text: `WITH taken AS (DELETE FROM push_subscriptions WHERE endpoint = $3 AND device_id <> $1)
             INSERT INTO push_subscriptions (device_id, user_id, endpoint, p256dh, auth)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (device_id) DO UPDATE
               SET endpoint = EXCLUDED.endpoint, p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth,
                   created_at = now(), last_pushed_at = NULL`,
      values: [
        deviceId,
        userId,
        subscription.endpoint,
        subscription.keys.p256dh,
        subscription.keys.auth,
      ],
    });
    response.status(204).end();
  });

  router.delete('/api/push/subscription', authenticated, async (_request, response) => {
    const { deviceId } = authOf(response);
    await pool.query('DELETE FROM push_subscriptions WHERE device_id = $1', [deviceId]);
    response.status(204).end();
  });

  /**
   * Claims the devices due a push, in one statement: a device pushed within the window is left
   * out, and the claim (`last_pushed_at`) is taken by whichever instance's statement gets the row
   * first, so instances behind one database never push a device twice in a window.
   */
  async function claimDue(author: Author, conversationIds: readonly string[]): Promise<Due[]> {
    const { rows } = await pool.query<Due>({
      name: 'push-claim-due',
      text: `WITH due AS (
               SELECT DISTINCT ON (s.device_id) s.device_id, m.conversation_id
                 FROM members m
                 JOIN push_subscriptions s ON s.user_id = m.user_id
                 JOIN devices d ON d.id = s.device_id AND d.revoked_at IS NULL
                WHERE m.conversation_id = ANY($1::uuid[]) AND m.removed_at IS NULL
                  AND m.user_id <> $2
                  AND NOT EXISTS (
                    SELECT 1 FROM mutes u
                     WHERE u.user_id = m.user_id AND u.conversation_id = m.conversation_id
                       AND NOT u.deleted AND (u.until IS NULL OR u.until > now()))
                ORDER BY s.device_id, m.conversation_id)
             UPDATE push_subscriptions s SET last_pushed_at = now()
               FROM due
              WHERE s.device_id = due.device_id
                AND (s.last_pushed_at IS NULL
                     OR s.last_pushed_at <= now() - make_interval(secs => $3))
          RETURNING s.device_id, s.endpoint, s.p256dh, s.auth, due.conversation_id`,
      values: [conversationIds, author.userId, config.coalesceSeconds],
    });
    return rows;
  }

  async function send(keys: NonNullable<typeof vapid>, due: Due): Promise<void> {
    const payload: PushPayload = { type: 'message', conversationId: due.conversation_id };
    // The library encrypts and signs (RFC 8291, 8292); the request is sent here, so that a test
    // can stand a plain-http push service in for the real ones.
    const details = webPush.generateRequestDetails(
      { endpoint: due.endpoint, keys: { p256dh: due.p256dh, auth: due.auth } },
      JSON.stringify(payload),
      {
        vapidDetails: keys,
        TTL: PUSH_TTL_SECONDS,
        urgency: 'high',
        contentEncoding: 'aes128gcm',
      },
    );
    const answer = await fetch(details.endpoint, {
      method: details.method,
      headers: details.headers as Record<string, string>,
      body: new Uint8Array(details.body),
      redirect: 'error',
      signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
    });
    await answer.body?.cancel();
    if (answer.status === 404 || answer.status === 410) {
      await pool.query('DELETE FROM push_subscriptions WHERE device_id = $1 AND endpoint = $2', [
        due.device_id,
        due.endpoint,
      ]);
      logger.info({ deviceId: due.device_id }, 'push subscription gone: deleted');
    } else if (!answer.ok) {
      logger.warn({ deviceId: due.device_id, status: answer.status }, 'push refused');
    }
  }

  return {
    routes: router,
    messagesStored(author, conversationIds) {
      if (vapid === null) return;
      const run = claimDue(author, conversationIds)
        .then((due) =>
          Promise.all(
            due.map((one) =>
              send(vapid, one).catch((error: unknown) => {
                logger.warn({ err: error, deviceId: one.device_id }, 'push failed');
              }),
            ),
          ),
        )
        .then(
          () => undefined,
          (error: unknown) => logger.warn({ err: error }, 'push recipients not found'),
        );
      inFlight.add(run);
      void run.finally(() => inFlight.delete(run));
    },
    async idle() {
      await Promise.all([...inFlight]);
    },
  };
}
