import type { SyncNacl } from '@anochat/crypto-native';
import { compareBytes, requireLength, utf8 } from './bytes.ts';
import { CONTEXT, canonicalBytes } from './canonical.ts';
import { canonicalUsername } from './identity.ts';

/**
 * Safety numbers: two people compare them (read aloud or by QR code) to confirm that the identity
 * keys the server gave each of them are the real ones. The same number on both sides, because the
 * two (username, identity key) pairs are hashed in a canonical order (by key bytes); a different
 * number as soon as either key changes.
 */

export interface SafetyNumber {
  /** 60 digits. */
  digits: string;
  /** The same digits as 12 groups of 5, for display. */
  groups: string[];
  /** What the QR code encodes; equal on both sides. */
  qrPayload: string;
}

const GROUPS = 12;
const BYTES_PER_GROUP = 5;

export function safetyNumber(
  nacl: SyncNacl,
  a: { username: string; identityPublicKey: Uint8Array },
  b: { username: string; identityPublicKey: Uint8Array },
): SafetyNumber {
  requireLength(a.identityPublicKey, 32, 'identityPublicKey');
  requireLength(b.identityPublicKey, 32, 'identityPublicKey');
  const [first, second] =
    compareBytes(a.identityPublicKey, b.identityPublicKey) <= 0 ? [a, b] : [b, a];
  const hash = nacl.generichash(
    64,
    canonicalBytes(CONTEXT.safetyNumber, [
      utf8(canonicalUsername(first.username)),
      first.identityPublicKey,
      utf8(canonicalUsername(second.username)),
      second.identityPublicKey,
    ]),
  );
  const groups: string[] = [];
  for (let group = 0; group < GROUPS; group++) {
    // 40 bits per group modulo 10^5: the bias (2^40 is not a multiple of 10^5) is below 10^-7.
    let value = 0;
    for (let i = 0; i < BYTES_PER_GROUP; i++) {
      value = value * 256 + (hash[group * BYTES_PER_GROUP + i] ?? 0);
    }
    groups.push(String(value % 100_000).padStart(5, '0'));
  }
  const digits = groups.join('');
  return { digits, groups, qrPayload: `anochat:safety:v1:${digits}` };
}
