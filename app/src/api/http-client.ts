import { API_ERROR_CODES, type ApiErrorCode } from '@anochat/schemas/api/errors';
import { ClientError } from './api-error.ts';

export interface HttpClient {
  request<T>(
    method: string,
    path: string,
    options?: { body?: unknown; token?: string },
  ): Promise<T>;
}

function isApiErrorCode(code: unknown): code is ApiErrorCode {
  return typeof code === 'string' && (API_ERROR_CODES as readonly string[]).includes(code);
}

/** JSON over fetch against the sync server; every failure becomes a ClientError with a code. */
export function createHttpClient(baseUrl: string, fetchImpl: typeof fetch = fetch): HttpClient {
  return {
    async request<T>(
      method: string,
      path: string,
      options: { body?: unknown; token?: string } = {},
    ) {
      const headers: Record<string, string> = {};
      if (options.body !== undefined) headers['Content-Type'] = 'application/json';
      if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
      let response: Response;
      try {
        response = await fetchImpl(`${baseUrl}${path}`, {
          method,
          headers,
          ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        });
      } catch {
        throw new ClientError('OFFLINE', 'the server could not be reached');
      }
      if (response.status === 204) return undefined as T;
      const body = (await response.json().catch(() => null)) as unknown;
      if (response.ok) return body as T;
      const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
      if (isApiErrorCode(error?.code)) {
        throw new ClientError(error.code, String(error.message ?? error.code));
      }
      // A proxy or a service worker answering for a server that is not there.
      if (response.status >= 500) throw new ClientError('OFFLINE', `HTTP ${response.status}`);
      throw new ClientError('BAD_RESPONSE', `unexpected HTTP ${response.status}`);
    },
  };
}
