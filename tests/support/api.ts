import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createTweetnaclNacl, type KeyPair } from '@anochat/crypto-native';
import {
  createDeviceRevocation,
  type DeviceKeys,
  encodeBase64,
  identityKeyPair,
  newAccountKeys,
  newCertifiedDevice,
  sealKeyBackup,
} from '@anochat/protocol';
import type { NewDevice, RegisterRequest, SessionResponse } from '@anochat/schemas/api/auth';
import { apiErrorBody } from '@anochat/schemas/api/errors';

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/** One real HTTP request; `body` is JSON-encoded unless it is already a string. */
export async function request(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    ...(options.body === undefined
      ? {}
      : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? null : JSON.parse(text),
  };
}

/** Asserts the `{ error: { code, message } }` shape, the status and the code. */
export function assertError(response: ApiResponse, status: number, code: string): void {
  assert.equal(response.status, status, JSON.stringify(response.body));
  const parsed = apiErrorBody.parse(response.body);
  assert.equal(parsed.error.code, code);
  assert.ok(parsed.error.message.length > 0);
}

export const randomKey = () => randomBytes(32).toString('base64');
export const randomSecret = () => randomBytes(32).toString('base64');

let counter = 0;
export function uniqueUsername(prefix = 'user'): string {
  counter += 1;
  return `${prefix}_${process.pid}_${counter}`;
}

/** The client side of end-to-end identity, made with the real protocol module (tweetnacl provider). */
const nacl = createTweetnaclNacl();

export interface TestIdentity {
  username: string;
  keys: KeyPair;
  /** base64 of a real key backup; tests never open it, the server must not either. */
  keyBackup: string;
}

export function newIdentity(username: string): TestIdentity {
  const contents = newAccountKeys(nacl);
  return {
    username,
    keys: identityKeyPair(nacl, contents.identitySeed),
    keyBackup: encodeBase64(sealKeyBackup(nacl, nacl.randomBytes(32), contents)),
  };
}

const deviceKeysBySignKey = new Map<string, DeviceKeys>();

/** A new device's keys, certified by `identity`; `deviceKeysOf` finds its secret keys later. */
export function newDevice(identity: TestIdentity, name = 'laptop'): NewDevice {
  const { keys, certificate } = newCertifiedDevice(
    nacl,
    identity.keys.secretKey,
    identity.username,
  );
  const signPublicKey = encodeBase64(keys.sign.publicKey);
  deviceKeysBySignKey.set(signPublicKey, keys);
  return {
    name,
    boxPublicKey: encodeBase64(keys.box.publicKey),
    signPublicKey,
    certificate: encodeBase64(certificate),
  };
}

/** The secret keys of a device made by `newDevice`, by its published signing key. */
export function deviceKeysOf(device: { signPublicKey: string }): DeviceKeys {
  const keys = deviceKeysBySignKey.get(device.signPublicKey);
  assert.ok(keys, 'not a device made by newDevice');
  return keys;
}

/** The identity key's signed statement that the device is revoked, base64. */
export function revocationOf(identity: TestIdentity, device: { signPublicKey: string }): string {
  return encodeBase64(
    createDeviceRevocation(nacl, identity.keys.secretKey, {
      username: identity.username,
      signPublicKey: Buffer.from(device.signPublicKey, 'base64'),
      revokedAt: Date.now(),
    }),
  );
}

/** A valid registration with a fresh identity, a random secret and a certified first device. */
export function registrationBody(
  username = uniqueUsername(),
  identity = newIdentity(username),
): RegisterRequest & { identity: TestIdentity } {
  const body = {
    username,
    authSecret: randomSecret(),
    identityPublicKey: encodeBase64(identity.keys.publicKey),
    keyBackup: identity.keyBackup,
    device: newDevice(identity),
  };
  // Non-enumerable: JSON.stringify sends exactly the request, the test keeps the identity.
  return Object.defineProperty(body, 'identity', {
    value: identity,
    enumerable: false,
  }) as RegisterRequest & { identity: TestIdentity };
}

/** A login with a random (so, for an existing user, wrong) secret and a certified device. */
export function loginBody(username = uniqueUsername(), identity = newIdentity(username)) {
  return { username, authSecret: randomSecret(), device: newDevice(identity) };
}

export interface Account {
  username: string;
  authSecret: string;
  identity: TestIdentity;
  session: SessionResponse;
}

export async function register(baseUrl: string, username = uniqueUsername()): Promise<Account> {
  const body = registrationBody(username);
  const response = await request(baseUrl, 'POST', '/api/auth/register', { body });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return {
    username,
    authSecret: body.authSecret,
    identity: body.identity,
    session: response.body as SessionResponse,
  };
}

export async function login(
  baseUrl: string,
  account: Pick<Account, 'username' | 'authSecret' | 'identity'>,
  deviceName = 'phone',
) {
  const response = await request(baseUrl, 'POST', '/api/auth/login', {
    body: {
      username: account.username,
      authSecret: account.authSecret,
      device: newDevice(account.identity, deviceName),
    },
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body as SessionResponse;
}
