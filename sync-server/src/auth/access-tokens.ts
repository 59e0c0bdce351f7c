import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';

export interface AccessTokenSettings {
  secret: string;
  previousSecrets: readonly string[];
  issuer: string;
  audience: string;
  accessTokenTtlSeconds: number;
}

export interface AccessTokenClaims {
  userId: string;
  deviceId: string;
}

export interface VerifiedAccessToken extends AccessTokenClaims {
  /** Seconds since the epoch: a connection authenticated by this token ends then. */
  expiresAt: number;
}

/** The message of the UNAUTHENTICATED error for an expired token (the socket handshake tells it apart). */
export const ACCESS_TOKEN_EXPIRED_MESSAGE = 'access token expired';

/** The only algorithm accepted: a token claiming `none`, RS256 or anything else is refused. */
const ALGORITHM = 'HS256';

/** jsonwebtoken checks exp only when present; a token without one would never expire, so require it. */
const payload = z.object({ sub: z.uuid(), did: z.uuid(), exp: z.number().int() });

export interface AccessTokens {
  issue(claims: AccessTokenClaims): { token: string; expiresIn: number };
  /** Throws AppError UNAUTHENTICATED for anything but a valid, unexpired token of ours. */
  verify(token: string): VerifiedAccessToken;
}

/** Short-lived JWTs: sub = user id, did = device id. Signed with the current secret; verified with it or a previous one. */
export function createAccessTokens(settings: AccessTokenSettings): AccessTokens {
  const verificationSecrets = [settings.secret, ...settings.previousSecrets];
  return {
    issue({ userId, deviceId }) {
      const token = jwt.sign({ did: deviceId }, settings.secret, {
        algorithm: ALGORITHM,
        subject: userId,
        issuer: settings.issuer,
        audience: settings.audience,
        expiresIn: settings.accessTokenTtlSeconds,
      });
      return { token, expiresIn: settings.accessTokenTtlSeconds };
    },
    verify(token) {
      for (const secret of verificationSecrets) {
        let decoded: unknown;
        try {
          decoded = jwt.verify(token, secret, {
            algorithms: [ALGORITHM],
            issuer: settings.issuer,
            audience: settings.audience,
          });
        } catch (error) {
          if (error instanceof jwt.TokenExpiredError) {
            throw new AppError('UNAUTHENTICATED', ACCESS_TOKEN_EXPIRED_MESSAGE);
          }
          continue;
        }
        const claims = payload.safeParse(decoded);
        if (!claims.success) break;
        return { userId: claims.data.sub, deviceId: claims.data.did, expiresAt: claims.data.exp };
      }
      throw new AppError('UNAUTHENTICATED', 'invalid access token');
    },
  };
}
