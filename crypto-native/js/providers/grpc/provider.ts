import { CRYPTO_LIMITS } from '@anochat/schemas/crypto-limits';
import { NaclError } from '../../errors.ts';
import type { AsyncNacl, NaclOperation, SignedMessage } from '../../nacl.ts';
import { ALL_OPERATIONS } from '../../nacl.ts';
import { SIZES } from '../../sizes.ts';
import {
  isShorterThan,
  requireBytes,
  requireMessage,
  requirePassword,
  requirePwhashLimits,
  requirePwhashString,
  requireVerifyBatch,
  signedPartsOrNull,
} from '../../validation.ts';
import { type CryptoClient, connectCryptoClient } from './client.ts';

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

type CheckedItem = { message: Uint8Array; signature: Uint8Array; publicKey: Uint8Array };

interface PendingVerification {
  item: CheckedItem;
  resolve(valid: boolean): void;
  reject(error: unknown): void;
}

export interface GrpcNacl extends AsyncNacl {
  health(): ReturnType<CryptoClient['rpc']['Health']>;
  close(): void;
}

/** Splits items into VerifyBatch requests within the item-count and message-size caps. */
function chunkForTransport<T extends { item: CheckedItem }>(entries: readonly T[]): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size =
      entry.item.message.length + SIZES.signature + SIZES.signPublicKey + ITEM_FRAMING_BYTES;
    if (
      current.length > 0 &&
      (current.length === CRYPTO_LIMITS.maxVerifyBatchItems ||
        bytes + size > CRYPTO_LIMITS.maxGrpcMessageBytes)
    ) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function requireTransportable(name: string, bytes: Uint8Array): Uint8Array {
  if (bytes.length + ITEM_FRAMING_BYTES > CRYPTO_LIMITS.maxGrpcMessageBytes) {
    throw new NaclError(
      'TOO_LARGE',
      `${name} is ${bytes.length} bytes; one gRPC message carries at most ${CRYPTO_LIMITS.maxGrpcMessageBytes}`,
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
    for (const chunk of chunkForTransport(batch)) {
      rpc.VerifyBatch({ items: chunk.map((entry) => entry.item) }).then(
        ({ valid }) => {
          for (const [i, entry] of chunk.entries()) entry.resolve(valid[i] === true);
        },
        (error: unknown) => {
          for (const entry of chunk) entry.reject(error);
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
    // the per-item promises of the coalescing path.
    async verifyBatch(items: readonly SignedMessage[]) {
      const checked = requireVerifyBatch(items).map((item) => {
        const { message, signature, publicKey } = (item ?? {}) as Partial<SignedMessage>;
        const parts = signedPartsOrNull(message, signature, publicKey);
        return parts === null ? null : { item: requireTransportableItem(parts) };
      });
      const wellFormed = checked.filter((entry) => entry !== null);
      const verdicts = new Map<(typeof wellFormed)[number], boolean>();
      await Promise.all(
        chunkForTransport(wellFormed).map(async (chunk) => {
          const { valid } = await rpc.VerifyBatch({ items: chunk.map((entry) => entry.item) });
          for (const [i, entry] of chunk.entries()) verdicts.set(entry, valid[i] === true);
        }),
      );
      return checked.map((entry) => entry !== null && verdicts.get(entry) === true);
    },

    async pwhashStr(password, opsLimit, memLimit) {
      requirePassword(password);
      requirePwhashLimits(opsLimit, memLimit);
      return (await rpc.PwHash({ password, opsLimit, memLimit })).hash;
    },
    async pwhashStrVerify(hash, password) {
      requirePwhashString(hash);
      requirePassword(password);
      if (hash.length >= SIZES.pwhashStr) return false;
      return (await rpc.PwVerify({ hash, password })).valid;
    },

    async boxSeal(message, publicKey) {
      requireTransportable('message', requireMessage('message', message));
      requireBytes('publicKey', publicKey, SIZES.boxPublicKey);
      return (await rpc.SealTo({ recipientPublicKey: publicKey, message })).sealed;
    },
    async boxSealOpen(sealed, publicKey, secretKey) {
      requireTransportable('sealed', requireMessage('sealed', sealed));
      requireBytes('publicKey', publicKey, SIZES.boxPublicKey);
      requireBytes('secretKey', secretKey, SIZES.boxSecretKey);
      if (isShorterThan(sealed, SIZES.sealOverhead)) return null;
      const response = await rpc.SealOpen({ publicKey, secretKey, sealed });
      return response.opened ? response.message : null;
    },

    health: () => rpc.Health({}),
    close: () => client.close(),
  };
}
