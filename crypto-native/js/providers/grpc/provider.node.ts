import { CRYPTO_LIMITS } from '@anochat/schemas/crypto-limits';
import { NaclError } from '../../errors.ts';
import type { AsyncNacl, NaclOperation, SignedMessage } from '../../nacl.ts';
import { ALL_OPERATIONS } from '../../nacl.ts';
import { SIZES } from '../../sizes.ts';
import {
  batchItemOrNull,
  isShorterThan,
  requireBytes,
  requireCiphertext,
  requireMessage,
  requirePassword,
  requirePwhashLimits,
  requirePwhashString,
  requireVerifyBatch,
  type SignedParts,
  signedPartsOrNull,
} from '../../validation.ts';
import { type CryptoClient, connectCryptoClient } from './client.node.ts';

const REMOTE_OPERATIONS: ReadonlySet<NaclOperation> = new Set<NaclOperation>([
  'verifyDetached',
  'verifyBatch',
  'pwhashStr',
  'pwhashStrVerify',
  'boxSeal',
  'boxSealOpen',
]);

/** Room for the protobuf framing of one batch item beside its payload. */
const ITEM_FRAMING_BYTES = 128;

type CheckedItem = SignedParts;

interface PendingVerification {
  item: CheckedItem;
  resolve(valid: boolean): void;
  reject(error: unknown): void;
}

export interface GrpcNacl extends AsyncNacl {
  health(): ReturnType<CryptoClient['rpc']['Health']>;
  close(): void;
}

/**
 * Cuts items into [start, end) ranges, one VerifyBatch request each, within the item-count and
 * message-size caps.
 */
function transportRanges(items: readonly CheckedItem[]): [number, number][] {
  const ranges: [number, number][] = [];
  let start = 0;
  let bytes = 0;
  items.forEach((item, i) => {
    const size = item.message.length + SIZES.signature + SIZES.signPublicKey + ITEM_FRAMING_BYTES;
    if (
      i > start &&
      (i - start === CRYPTO_LIMITS.maxVerifyBatchItems ||
        bytes + size > CRYPTO_LIMITS.maxGrpcMessageBytes)
    ) {
      ranges.push([start, i]);
      start = i;
      bytes = 0;
    }
    bytes += size;
  });
  if (start < items.length) ranges.push([start, items.length]);
  return ranges;
}

/** One verdict per item, in order, from as many VerifyBatch calls as the transport caps need. */
async function verifyAll(rpc: CryptoClient['rpc'], items: CheckedItem[]): Promise<boolean[]> {
  const answers = await Promise.all(
    transportRanges(items).map(async ([start, end]) => {
      const { valid } = await rpc.VerifyBatch({
        items: start === 0 && end === items.length ? items : items.slice(start, end),
      });
      return Array.from({ length: end - start }, (_, i) => valid[i] === true);
    }),
  );
  return answers.flat();
}

/**
 * Refuses what one gRPC message cannot carry. `growth` is what the answer adds (a sealed box is 48
 * bytes longer than its message), so that whatever SealTo accepts, SealOpen accepts back.
 */
function requireTransportable(name: string, bytes: Uint8Array, growth = 0): Uint8Array {
  if (bytes.length + growth + ITEM_FRAMING_BYTES > CRYPTO_LIMITS.maxGrpcMessageBytes) {
    throw new NaclError(
      'TOO_LARGE',
      `${name} is ${bytes.length} bytes; one gRPC message carries at most ${CRYPTO_LIMITS.maxGrpcMessageBytes - ITEM_FRAMING_BYTES - growth}`,
    );
  }
  return bytes;
}

function requireTransportableItem(item: CheckedItem): CheckedItem {
  requireTransportable('message', item.message);
  return item;
}

/**
 * The native core behind the crypto-native gRPC server. Single verifications made in the same tick
 * are coalesced into one VerifyBatch call, so a push of 50 messages costs one round trip.
 */
export function createGrpcNacl(address: string): GrpcNacl {
  const client = connectCryptoClient(address);
  const { rpc } = client;
  let pending: PendingVerification[] = [];

  function flushVerifications(): void {
    const batch = pending;
    pending = [];
    const items = batch.map((entry) => entry.item);
    for (const [start, end] of transportRanges(items)) {
      const entries = batch.slice(start, end);
      rpc.VerifyBatch({ items: items.slice(start, end) }).then(
        ({ valid }) => {
          for (const [i, entry] of entries.entries()) entry.resolve(valid[i] === true);
        },
        (error: unknown) => {
          for (const entry of entries) entry.reject(error);
        },
      );
    }
  }

  function verifyRemotely(item: CheckedItem): Promise<boolean> {
    requireTransportableItem(item);
    return new Promise((resolve, reject) => {
      if (pending.length === 0) queueMicrotask(flushVerifications);
      pending.push({ item, resolve, reject });
    });
  }

  const unsupported = (operation: NaclOperation) => async (): Promise<never> => {
    throw new NaclError(
      'UNSUPPORTED',
      `${operation} is not offered by the crypto-native gRPC service`,
    );
  };
  const local = Object.fromEntries(
    ALL_OPERATIONS.filter((op) => !REMOTE_OPERATIONS.has(op)).map((op) => [op, unsupported(op)]),
  ) as unknown as Omit<AsyncNacl, 'provider' | 'supports'>;

  return {
    ...local,
    provider: 'grpc',
    supports: REMOTE_OPERATIONS,

    async verifyDetached(message, signature, publicKey) {
      const parts = signedPartsOrNull(message, signature, publicKey);
      return parts !== null && verifyRemotely(parts);
    },
    // A batch is already a batch: it goes out as it is (split only at the transport caps), without
    // the per-item promises of the coalescing path. Malformed items are false without a round trip.
    async verifyBatch(items: readonly SignedMessage[]) {
      const wellFormed: CheckedItem[] = [];
      const positions: number[] = [];
      requireVerifyBatch(items).forEach((item, position) => {
        const parts = batchItemOrNull(item);
        if (parts === null) return;
        wellFormed.push(requireTransportableItem(parts));
        positions.push(position);
      });
      const verdicts: boolean[] = new Array(items.length).fill(false);
      if (wellFormed.length === 0) return verdicts;
      const valid = await verifyAll(rpc, wellFormed);
      positions.forEach((position, i) => {
        verdicts[position] = valid[i] === true;
      });
      return verdicts;
    },

    async pwhashStr(password, opsLimit, memLimit) {
      const checkedPassword = requirePassword(password);
      requirePwhashLimits(opsLimit, memLimit);
      return (await rpc.PwHash({ password: checkedPassword, opsLimit, memLimit })).hash;
    },
    async pwhashStrVerify(hash, password) {
      const checkedHash = requirePwhashString(hash);
      const checkedPassword = requirePassword(password);
      if (checkedHash.length >= SIZES.pwhashStr) return false;
      return (await rpc.PwVerify({ hash: checkedHash, password: checkedPassword })).valid;
    },

    async boxSeal(message, publicKey) {
      const checkedMessage = requireTransportable(
        'message',
        requireMessage('message', message),
        SIZES.sealOverhead,
      );
      const recipientPublicKey = requireBytes('publicKey', publicKey, SIZES.boxPublicKey);
      return (await rpc.SealTo({ recipientPublicKey, message: checkedMessage })).sealed;
    },
    async boxSealOpen(sealed, publicKey, secretKey) {
      const checkedSealed = requireTransportable(
        'sealed',
        requireCiphertext('sealed', sealed, SIZES.sealOverhead),
      );
      const checkedPublicKey = requireBytes('publicKey', publicKey, SIZES.boxPublicKey);
      const checkedSecretKey = requireBytes('secretKey', secretKey, SIZES.boxSecretKey);
      if (isShorterThan(checkedSealed, SIZES.sealOverhead)) return null;
      const response = await rpc.SealOpen({
        publicKey: checkedPublicKey,
        secretKey: checkedSecretKey,
        sealed: checkedSealed,
      });
      return response.opened ? response.message : null;
    },

    health: () => rpc.Health({}),
    close: () => client.close(),
  };
}
