import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { SessionResponse } from '@anochat/schemas/api/auth';
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

export function newDevice(name = 'laptop') {
  return { name, boxPublicKey: randomKey(), signPublicKey: randomKey() };
}

export interface Account {
  username: string;
  authSecret: string;
  session: SessionResponse;
}

export async function register(baseUrl: string, username = uniqueUsername()): Promise<Account> {
  const authSecret = randomSecret();
  const response = await request(baseUrl, 'POST', '/api/auth/register', {
    body: { username, authSecret, device: newDevice() },
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return { username, authSecret, session: response.body as SessionResponse };
}

export async function login(
  baseUrl: string,
  account: Pick<Account, 'username' | 'authSecret'>,
  deviceName = 'phone',
) {
  const response = await request(baseUrl, 'POST', '/api/auth/login', {
    body: {
      username: account.username,
      authSecret: account.authSecret,
      device: newDevice(deviceName),
    },
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body as SessionResponse;
}
