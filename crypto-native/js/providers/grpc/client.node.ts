import { createRequire } from 'node:module';
import { CRYPTO_LIMITS } from '@anochat/schemas/crypto-limits';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { NaclError, type NaclErrorCode } from '../../errors.ts';
import { createVerifyBatchCodec } from './verify-batch-codec.node.ts';

/** The generated shapes of schemas/crypto.proto as @grpc/proto-loader presents them (camelCase). */
export interface CryptoRpc {
  VerifyBatch(request: {
    items: { publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array }[];
  }): Promise<{ valid: boolean[] }>;
  PwHash(request: { password: Uint8Array; opsLimit: number; memLimit: number }): Promise<{
    hash: string;
  }>;
  PwVerify(request: { hash: string; password: Uint8Array }): Promise<{ valid: boolean }>;
  SealTo(request: { recipientPublicKey: Uint8Array; message: Uint8Array }): Promise<{
    sealed: Uint8Array;
  }>;
  SealOpen(request: { publicKey: Uint8Array; secretKey: Uint8Array; sealed: Uint8Array }): Promise<{
    opened: boolean;
    message: Uint8Array;
  }>;
  Health(request: Record<string, never>): Promise<{
    serving: boolean;
    libsodiumVersion: string;
    workerThreads: number;
  }>;
}

const METHODS = ['VerifyBatch', 'PwHash', 'PwVerify', 'SealTo', 'SealOpen', 'Health'] as const;

export interface CryptoClient {
  rpc: CryptoRpc;
  close(): void;
}

const SERVICE = 'anochat.crypto.v1.Crypto';

/** crypto.proto as @grpc/proto-loader reads it (camelCase fields, defaults filled in). */
export function loadCryptoDefinition(): protoLoader.PackageDefinition {
  const protoPath = createRequire(import.meta.url).resolve('@anochat/schemas/crypto.proto');
  return protoLoader.loadSync(protoPath, {
    longs: Number,
    defaults: true,
    oneofs: true,
  });
}

/** The generated client, with VerifyBatch's hot path on its own codec (verify-batch-codec.ts). */
function loadService(): grpc.ServiceClientConstructor {
  const definition = loadCryptoDefinition();
  const service = definition[SERVICE] as protoLoader.ServiceDefinition;
  const codec = createVerifyBatchCodec(definition);
  return grpc.makeClientConstructor(
    {
      ...service,
      VerifyBatch: {
        ...(service.VerifyBatch as protoLoader.MethodDefinition<object, object>),
        requestSerialize: codec.serialize,
        responseDeserialize: codec.deserialize,
      },
    },
    SERVICE,
  );
}

const REASONS: ReadonlySet<string> = new Set<NaclErrorCode>([
  'INVALID_LENGTH',
  'TOO_LARGE',
  'EMPTY',
  'WEAK_KEY',
  'INVALID_ARGUMENT',
]);

/** The reason code the server puts in the status details (grpc-status-details-bin), or ''. */
function detailsOf(error: grpc.ServiceError): string {
  const details = error.metadata?.get('grpc-status-details-bin')[0];
  return details === undefined ? '' : Buffer.from(details).toString('utf8');
}

/** The server's reason code (a NaclErrorCode) of an INVALID_ARGUMENT. */
function reasonOf(error: grpc.ServiceError): NaclErrorCode {
  const reason = detailsOf(error);
  return REASONS.has(reason) ? (reason as NaclErrorCode) : 'INVALID_ARGUMENT';
}

function toNaclError(error: grpc.ServiceError): NaclError {
  if (error.code === grpc.status.INVALID_ARGUMENT)
    return new NaclError(reasonOf(error), error.details);
  // RESOURCE_EXHAUSTED is either a busy server (Argon2id memory budget: reason UNAVAILABLE, retry
  // later) or a message above the transport's size limit (gRPC's own, without a reason).
  if (error.code === grpc.status.RESOURCE_EXHAUSTED)
    return new NaclError(
      detailsOf(error) === 'UNAVAILABLE' ? 'UNAVAILABLE' : 'TOO_LARGE',
      error.details,
    );
  return new NaclError('UNAVAILABLE', `crypto-native ${grpc.status[error.code]}: ${error.details}`);
}

/** Buffers from grpc-js become plain Uint8Arrays, so results compare equal across providers. */
function plainBytes<T>(value: T): T {
  if (Buffer.isBuffer(value)) return new Uint8Array(value) as T;
  if (Array.isArray(value)) return value.map(plainBytes) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, plainBytes(inner)]),
    ) as T;
  }
  return value;
}

/** A promise-based client for the crypto-native server at `address` (`unix:/path` or `host:port`). */
export function connectCryptoClient(address: string, deadlineMs = 30_000): CryptoClient {
  const Service = loadService();
  const client = new Service(address, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': CRYPTO_LIMITS.maxGrpcMessageBytes,
    'grpc.max_receive_message_length': CRYPTO_LIMITS.maxGrpcMessageBytes,
  });
  const rpc = Object.fromEntries(
    METHODS.map((method) => [
      method,
      (request: object) =>
        new Promise((resolve, reject) => {
          const call = client[method] as unknown as (
            request: object,
            options: grpc.CallOptions,
            callback: (error: grpc.ServiceError | null, response: unknown) => void,
          ) => void;
          call.call(client, request, { deadline: Date.now() + deadlineMs }, (error, response) =>
            error ? reject(toNaclError(error)) : resolve(plainBytes(response)),
          );
        }),
    ]),
  ) as unknown as CryptoRpc;
  return { rpc, close: () => client.close() };
}
