import { randomBytes } from 'node:crypto';
import type { GrpcNacl } from '@anochat/crypto-native/node';

export interface PasswordHasher {
  hash(secret: Uint8Array): Promise<string>;
  /**
   * Checks `secret` against `storedHash`. With no stored hash (unknown user) it checks against a
   * dummy hash of the same cost, so "no such user" and "wrong secret" take about as long.
   */
  verify(storedHash: string | null, secret: Uint8Array): Promise<boolean>;
}

/** Argon2id through crypto-native's gRPC PwHash/PwVerify, at the configured cost. */
export function createPasswordHasher(
  nacl: Pick<GrpcNacl, 'pwhashStr' | 'pwhashStrVerify'>,
  limits: { opsLimit: number; memLimit: number },
): PasswordHasher {
  const hash = (secret: Uint8Array) => nacl.pwhashStr(secret, limits.opsLimit, limits.memLimit);
  let dummyHash: Promise<string> | undefined;
  const dummy = () => {
    dummyHash ??= hash(randomBytes(32));
    // A failed attempt (crypto-native down) must not be remembered forever.
    dummyHash.catch(() => {
      dummyHash = undefined;
    });
    return dummyHash;
  };
  return {
    hash,
    async verify(storedHash, secret) {
      if (storedHash === null) {
        await nacl.pwhashStrVerify(await dummy(), secret);
        return false;
      }
      return nacl.pwhashStrVerify(storedHash, secret);
    },
  };
}
