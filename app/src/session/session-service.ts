import type { ChangePasswordRequest, SessionResponse } from '@anochat/schemas/api/auth';
import { ref } from 'vue';
import { ClientError } from '../api/api-error.ts';
import type { ServerApi } from '../api/server-api.ts';
import type { ClientCrypto } from '../crypto/client-crypto.ts';
import { serialize } from './serialize.ts';
import type { SessionStore, StoredSession } from './session-store.ts';

/** Refresh this long before the access token expires, so a request never carries a dead token. */
const REFRESH_MARGIN_MS = 60_000;

/** Why this device is no longer signed in, for the login screen. */
export type SignedOutReason = 'logged-out' | 'session-ended';

export interface SessionServiceOptions {
  api: ServerApi;
  store: SessionStore;
  crypto: ClientCrypto;
  deviceName: string;
  /**
   * Called when the server ends the session (the refresh token is refused: revoked, reused,
   * expired). Only this definite answer ends a session; an unreachable or busy server never does.
   */
  onSessionEnded(): void;
  now?: () => number;
}

/**
 * Register, log in, keep the access token fresh with refresh-token rotation, and log out. The
 * password never leaves this module: crypto/ derives the auth secret the server receives.
 */
/**
 * How far the server's clock is ahead of this device's, from the access token: its `exp` (server
 * time, seconds) against when this device computed the same expiry (its own clock). 0 when the
 * token is not a readable JWT. Good to a second or so, which is all its uses need.
 */
function serverClockOffsetMs(session: StoredSession): number {
  try {
    const payload = session.accessToken.split('.')[1];
    if (payload === undefined) return 0;
    const base64 = payload.replaceAll('-', '+').replaceAll('_', '/');
    const { exp } = JSON.parse(atob(base64)) as { exp?: unknown };
    return typeof exp === 'number' ? exp * 1000 - session.accessTokenExpiresAt : 0;
  } catch {
    return 0;
  }
}

export function createSessionService(options: SessionServiceOptions) {
  const now = options.now ?? Date.now;
  const current = ref<StoredSession | null>(null);

  async function adopt(response: SessionResponse): Promise<StoredSession> {
    const session: StoredSession = {
      userId: response.user.id,
      username: response.user.username,
      displayName: response.user.displayName,
      deviceId: response.device.id,
      accessToken: response.accessToken,
      accessTokenExpiresAt: now() + response.accessTokenExpiresIn * 1000,
      refreshToken: response.refreshToken,
    };
    await options.store.write(session);
    current.value = session;
    return session;
  }

  function ended(): never {
    current.value = null;
    options.onSessionEnded();
    throw new ClientError('UNAUTHENTICATED', 'the session has ended');
  }

  /**
   * A new access token. `staleToken`: the token that was refused; if another tab has already
   * replaced it, that newer token is used instead of spending the refresh token again.
   */
  async function refresh(staleToken?: string): Promise<string> {
    return serialize('anochat-refresh', async () => {
      const stored = await options.store.read();
      if (stored === null) return ended();
      const stillFresh = stored.accessTokenExpiresAt - now() > REFRESH_MARGIN_MS;
      if (stored.accessToken !== staleToken && stillFresh) {
        current.value = stored;
        return stored.accessToken;
      }
      try {
        const answer = await options.api.refresh(stored.refreshToken);
        // Stored before it is used: the old refresh token is spent from now on.
        const next: StoredSession = {
          ...stored,
          accessToken: answer.accessToken,
          accessTokenExpiresAt: now() + answer.accessTokenExpiresIn * 1000,
          refreshToken: answer.refreshToken,
        };
        await options.store.write(next);
        current.value = next;
        return next.accessToken;
      } catch (error) {
        if (
          error instanceof ClientError &&
          (error.code === 'REFRESH_TOKEN_INVALID' || error.code === 'REFRESH_TOKEN_REUSED')
        ) {
          return ended();
        }
        throw error;
      }
    });
  }

  return {
    current,

    /** Restores the session this browser kept, if any (no network needed). */
    async restore(): Promise<StoredSession | null> {
      current.value = await options.store.read();
      return current.value;
    },

    /**
     * With `recoveryKey`, the account gets a recovery key at once: the answer carries its printed
     * form, which exists nowhere else and is to be shown once.
     */
    async register(input: {
      username: string;
      displayName: string;
      password: string;
      recoveryKey?: boolean;
    }): Promise<StoredSession & { recoveryKey: string | null }> {
      const created = await options.crypto.newAccount(input.username, input.password);
      const { device } = created;
      const setup = input.recoveryKey === true ? options.crypto.recoverySetup(device) : null;
      const response = await options.api.register({
        username: input.username,
        ...(input.displayName.trim() === '' ? {} : { displayName: input.displayName.trim() }),
        authSecret: created.authSecret,
        identityPublicKey: created.identityPublicKey,
        keyBackup: created.keyBackup,
        ...(setup === null ? {} : { recovery: setup.recovery }),
        device: { name: options.deviceName, ...device.publicKeys },
      });
      await options.crypto.adoptDevice(device, {
        userId: response.user.id,
        deviceId: response.device.id,
      });
      return { ...(await adopt(response)), recoveryKey: setup?.recoveryKey ?? null };
    },

    /**
     * The password is forgotten: the recovery key opens the recovery copy of the key backup, a new
     * password replaces the old one, and this device signs in as a new one. A mistyped key
     * (`INVALID_RECOVERY_KEY`) is told before anything is sent.
     */
    async recover(input: { username: string; recoveryKey: string; newPassword: string }) {
      const recovered = await options.crypto.recoverAccount(
        input.username,
        input.recoveryKey,
        input.newPassword,
        (recoveryAuthSecret) =>
          options.api.recoveryBackup({ username: input.username, recoveryAuthSecret }),
      );
      const response = await options.api.recover({
        username: input.username,
        recoveryAuthSecret: recovered.recoveryAuthSecret,
        newAuthSecret: recovered.newAuthSecret,
        keyBackup: recovered.keyBackup,
        device: { name: options.deviceName, ...recovered.device.publicKeys },
      });
      await options.crypto.adoptDevice(recovered.device, {
        userId: response.user.id,
        deviceId: response.device.id,
      });
      return adopt(response);
    },

    /** Whether the account has a recovery key (the server knows; the key itself it never saw). */
    async hasRecoveryKey(): Promise<boolean> {
      const status = await this.authenticated((token) => options.api.recoveryStatus(token));
      return status.enabled;
    },

    /**
     * Makes a new recovery key (replacing any earlier one, which stops working), once the server
     * has checked the password. Returns its printed form, to be shown once.
     */
    async createRecoveryKey(password: string): Promise<string> {
      const authSecret = await options.crypto.authSecretOf(password);
      const setup = options.crypto.recoverySetup();
      await this.authenticated((token) =>
        options.api.setRecovery(token, { authSecret, recovery: setup.recovery }),
      );
      return setup.recoveryKey;
    },

    async login(input: { username: string; password: string }) {
      const restored = await options.crypto.restoreAccount(
        input.username,
        input.password,
        (authSecret) => options.api.keyBackup({ username: input.username, authSecret }),
      );
      const response = await options.api.login({
        username: input.username,
        authSecret: restored.authSecret,
        device: { name: options.deviceName, ...restored.device.publicKeys },
      });
      await options.crypto.adoptDevice(restored.device, {
        userId: response.user.id,
        deviceId: response.device.id,
      });
      return adopt(response);
    },

    /**
     * Changes the password on the server (which checks the current one) with the key backup sealed
     * again under the new one. The server revokes every refresh token issued before: this device
     * keeps going with the new pair it answers; the others stop when their access token expires,
     * unless `signOutOtherDevices` ends them now (each revoked with the identity key's statement,
     * so their peers also stop trusting what they sign from now on). Returns the devices signed out.
     */
    async changePassword(input: {
      currentPassword: string;
      newPassword: string;
      signOutOtherDevices?: boolean;
    }): Promise<string[]> {
      const body: ChangePasswordRequest = await options.crypto.passwordChange(
        input.currentPassword,
        input.newPassword,
      );
      if (input.signOutOtherDevices === true) {
        const { devices } = await this.authenticated((token) => options.api.listDevices(token));
        const revokedAt = this.serverNow();
        body.signOutOtherDevices = true;
        body.revocations = devices
          .filter((device) => !device.current && device.revokedAt === null)
          .map((device) => ({
            deviceId: device.id,
            revocation: options.crypto.revocationFor(device.signPublicKey, revokedAt),
          }));
      }
      const changed = await this.authenticated((token) => options.api.changePassword(token, body));
      // The refresh token this device held is revoked: keep the new pair, as a refresh would.
      await serialize('anochat-refresh', async () => {
        const stored = await options.store.read();
        if (stored === null) return;
        const next: StoredSession = {
          ...stored,
          accessToken: changed.accessToken,
          accessTokenExpiresAt: now() + changed.accessTokenExpiresIn * 1000,
          refreshToken: changed.refreshToken,
        };
        await options.store.write(next);
        current.value = next;
      });
      return changed.signedOutDevices;
    },

    /**
     * The server's time as this device knows it. What is compared with server times (an epoch's
     * start, a revocation against messages' createdAt) uses it, so a device whose clock is days
     * off neither rotates keys on every message nor dates its revocations wrongly.
     */
    serverNow(): number {
      const session = current.value;
      return now() + (session === null ? 0 : serverClockOffsetMs(session));
    },

    /** A valid access token, refreshed first when it is about to expire. */
    async accessToken(): Promise<string> {
      const session = current.value ?? (await options.store.read());
      if (session === null) return ended();
      if (session.accessTokenExpiresAt - now() > REFRESH_MARGIN_MS) return session.accessToken;
      return refresh(session.accessToken);
    },

    refresh,

    /** Runs an authenticated call, refreshing once when the server says the token is no good. */
    async authenticated<T>(call: (token: string) => Promise<T>): Promise<T> {
      const token = await this.accessToken();
      try {
        return await call(token);
      } catch (error) {
        if (!(error instanceof ClientError) || error.code !== 'UNAUTHENTICATED') throw error;
        return call(await refresh(token));
      }
    },

    /** Forgets the ended session's tokens on this device (the server has refused them). */
    async forget(): Promise<void> {
      current.value = null;
      await options.store.clear();
    },

    /** Signs this device out on the server (best effort when offline) and forgets it locally. */
    async logout(): Promise<void> {
      const session = current.value;
      if (session !== null) {
        const revocation = options.crypto.ownRevocation(this.serverNow());
        await this.authenticated((token) => options.api.logout(token, revocation)).catch(
          () => undefined,
        );
      }
      current.value = null;
      await options.store.clear();
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
