import { createTweetnaclNacl } from '@anochat/crypto-native';
import { encodeBase64, identityKeyPair, newAccountKeys } from '@anochat/protocol';
import { getRxStorageMemory } from 'rxdb/plugins/storage-memory';
import { describe, expect, it, vi } from 'vitest';
import { ClientError } from '../api/api-error.ts';
import type { ServerApi } from '../api/server-api.ts';
import { type ClientCrypto, createClientCrypto } from '../crypto/client-crypto.ts';
import { openTestDatabase } from '../database/test-database.ts';
import { createMemorySecretStore } from '../platform/memory-secret-store.ts';
import { createSessionService } from './session-service.ts';
import type { SessionStore, StoredSession } from './session-store.ts';

const NOW = 1_800_000_000_000;

function memoryStore(
  initial: StoredSession | null,
): SessionStore & { value: StoredSession | null } {
  const store = {
    value: initial,
    read: async () => store.value,
    write: async (session: StoredSession) => {
      store.value = session;
    },
    clear: async () => {
      store.value = null;
    },
  };
  return store;
}

function session(patch: Partial<StoredSession> = {}): StoredSession {
  return {
    userId: 'u',
    username: 'alice',
    displayName: 'Alice',
    deviceId: 'd',
    accessToken: 'access-1',
    accessTokenExpiresAt: NOW + 10_000,
    refreshToken: 'refresh-1',
    ...patch,
  };
}

function service(store: SessionStore, api: Partial<ServerApi>, onSessionEnded = vi.fn()) {
  return createSessionService({
    api: api as ServerApi,
    store,
    crypto: {} as ClientCrypto,
    deviceName: 'test',
    onSessionEnded,
    now: () => NOW,
  });
}

describe('the session', () => {
  it('refreshes an access token about to expire, storing the rotated refresh token first', async () => {
    const store = memoryStore(session());
    const refresh = vi.fn(async () => ({
      accessToken: 'access-2',
      accessTokenExpiresIn: 900,
      refreshToken: 'refresh-2',
    }));
    const sessions = service(store, { refresh });
    await sessions.restore();
    expect(await sessions.accessToken()).toBe('access-2');
    expect(refresh).toHaveBeenCalledWith('refresh-1');
    expect(store.value?.refreshToken).toBe('refresh-2');
    expect(store.value?.accessTokenExpiresAt).toBe(NOW + 900_000);
  });

  it('spends a refresh token once when several callers need a new access token at the same time', async () => {
    const store = memoryStore(session());
    let issued = 1;
    const refresh = vi.fn(async () => {
      issued += 1;
      return {
        accessToken: `access-${issued}`,
        accessTokenExpiresIn: 900,
        refreshToken: `refresh-${issued}`,
      };
    });
    const sessions = service(store, { refresh });
    await sessions.restore();
    const tokens = await Promise.all([
      sessions.accessToken(),
      sessions.accessToken(),
      sessions.refresh('access-1'),
    ]);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(new Set(tokens)).toEqual(new Set(['access-2']));
  });

  it('ends the session when the server says the refresh token was reused', async () => {
    const store = memoryStore(session({ accessTokenExpiresAt: NOW }));
    const ended = vi.fn();
    const refresh = vi.fn(async () => {
      throw new ClientError('REFRESH_TOKEN_REUSED', 'reused');
    });
    const sessions = service(store, { refresh }, ended);
    await sessions.restore();
    await expect(sessions.accessToken()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(ended).toHaveBeenCalledOnce();
  });

  it('keeps the session when the refresh cannot reach the server (offline)', async () => {
    const store = memoryStore(session({ accessTokenExpiresAt: NOW }));
    const ended = vi.fn();
    const refresh = vi.fn(async () => {
      throw new ClientError('OFFLINE', 'no network');
    });
    const sessions = service(store, { refresh }, ended);
    await sessions.restore();
    await expect(sessions.accessToken()).rejects.toMatchObject({ code: 'OFFLINE' });
    expect(ended).not.toHaveBeenCalled();
    expect(store.value?.refreshToken).toBe('refresh-1');
  });

  it('keeps the session when the server cannot check the refresh now (NOT_READY, its database is down)', async () => {
    const store = memoryStore(session({ accessTokenExpiresAt: NOW }));
    const ended = vi.fn();
    const refresh = vi.fn(async () => {
      throw new ClientError('NOT_READY', 'a backing service is unavailable; retry later');
    });
    const sessions = service(store, { refresh }, ended);
    await sessions.restore();
    await expect(sessions.refresh('access-1')).rejects.toMatchObject({ code: 'NOT_READY' });
    expect(ended).not.toHaveBeenCalled();
    expect(store.value?.refreshToken).toBe('refresh-1');
  });

  it('knows the server clock from the access token, however wrong this device’s clock is', async () => {
    const tenDays = 10 * 24 * 3600 * 1000;
    const jwtWith = (claims: object) =>
      `e30.${btoa(JSON.stringify(claims)).replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '')}.sig`;
    // The server, ten days ahead of this device, issued a token that expires in 900 s.
    const serverExp = (NOW + tenDays) / 1000 + 900;
    const skewed = service(
      memoryStore(
        session({ accessToken: jwtWith({ exp: serverExp }), accessTokenExpiresAt: NOW + 900_000 }),
      ),
      {},
    );
    await skewed.restore();
    expect(skewed.serverNow()).toBe(NOW + tenDays);

    const opaque = service(memoryStore(session({ accessToken: 'not-a-jwt' })), {});
    await opaque.restore();
    expect(opaque.serverNow()).toBe(NOW);
  });
});

describe('recovering an account with a recovery key', () => {
  it('tells a mistyped key before anything is sent, and a key the backup does not open after', async () => {
    const nacl = createTweetnaclNacl();
    const database = await openTestDatabase(getRxStorageMemory());
    try {
      const crypto = createClientCrypto(nacl, database, createMemorySecretStore());
      const account = newAccountKeys(nacl);
      const { recoveryKey } = crypto.recoverySetup(account);
      const other = crypto.recoverySetup(account);
      const recoveryBackup = vi.fn(async () => ({
        identityPublicKey: encodeBase64(identityKeyPair(nacl, account.identitySeed).publicKey),
        keyBackup: other.recovery.keyBackup,
      }));
      const recover = vi.fn();
      const sessions = createSessionService({
        api: { recoveryBackup, recover } as Partial<ServerApi> as ServerApi,
        store: memoryStore(null),
        crypto,
        deviceName: 'test',
        onSessionEnded: vi.fn(),
        now: () => NOW,
      });
      const last = recoveryKey.at(-1) === '0' ? '1' : '0';
      const typo = `${recoveryKey.slice(0, -1)}${last}`;
      await expect(
        sessions.recover({ username: 'alice', recoveryKey: typo, newPassword: 'a new password' }),
      ).rejects.toMatchObject({ code: 'INVALID_RECOVERY_KEY' });
      expect(recoveryBackup).not.toHaveBeenCalled();

      // A well-formed key that did not seal this copy (the server handed out another's).
      await expect(
        sessions.recover({ username: 'alice', recoveryKey, newPassword: 'a new password' }),
      ).rejects.toMatchObject({ code: 'WRONG_RECOVERY_KEY' });
      expect(recoveryBackup).toHaveBeenCalledTimes(1);
      expect(recover).not.toHaveBeenCalled();
    } finally {
      await database.remove();
    }
  });
});
