import type { SyncNacl } from '@anochat/crypto-native';
import { bytesToUuid } from '../bytes.ts';

/**
 * Lower-case UUIDs version 7 for new rows: the client chooses ids (so a retried push stores once),
 * and time-ordered ids keep the order in which this device wrote rows that the server stamps with
 * the same time (one push transaction). Within one millisecond a counter keeps them increasing.
 */
export function createRowIds(nacl: SyncNacl): () => string {
  let lastMillis = 0;
  let sequence = 0;
  return () => {
    const now = Date.now();
    sequence = now === lastMillis ? (sequence + 1) & 0xfff : 0;
    lastMillis = now;
    // WASM results may be views into a reused pool: this one is written to, so it is a copy.
    const bytes = nacl.randomBytes(16).slice();
    for (let i = 0; i < 6; i++) bytes[i] = Math.floor(now / 2 ** (8 * (5 - i))) & 0xff;
    bytes[6] = 0x70 | (sequence >> 8);
    bytes[7] = sequence & 0xff;
    bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
    return bytesToUuid(bytes);
  };
}
