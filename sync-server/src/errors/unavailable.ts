import { NaclError } from '@anochat/crypto-native';
import { isConnectionFailure } from '../database/checkout.ts';

/** Seconds a client is asked to wait before retrying a NOT_READY answer (HTTP Retry-After). */
export const RETRY_AFTER_SECONDS = 2;

/**
 * True when `error` means a backing service (PostgreSQL, crypto-native over gRPC) could not be
 * reached or dropped the call: nothing about the request or its author is wrong, and the same
 * request may succeed later. The edges answer NOT_READY, never an authentication failure.
 */
export function isBackingServiceDown(error: unknown): boolean {
  if (error instanceof NaclError) return error.code === 'UNAVAILABLE';
  return isConnectionFailure(error);
}
