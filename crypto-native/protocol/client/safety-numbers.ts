import type { SyncNacl } from '@anochat/crypto-native';
import { decodeBase64 } from '../base64.ts';
import { identityKeyPair } from '../identity.ts';
import { type SafetyNumber, safetyNumber } from '../safety-number.ts';

/**
 * The safety number of this account and another user, or null while the server does not publish
 * that user's identity key (base64).
 */
export function safetyNumberWith(
  nacl: SyncNacl,
  account: { username: string; identitySeed: Uint8Array },
  user: { username: string; identityPublicKey?: unknown },
): SafetyNumber | null {
  if (typeof user.identityPublicKey !== 'string') return null;
  const theirs = decodeBase64(user.identityPublicKey);
  if (theirs === null || theirs.length !== 32) return null;
  const mine = identityKeyPair(nacl, account.identitySeed).publicKey;
  return safetyNumber(
    nacl,
    { username: account.username, identityPublicKey: mine },
    { username: user.username, identityPublicKey: theirs },
  );
}
