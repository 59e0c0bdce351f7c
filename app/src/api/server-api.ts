import type {
  ChangePasswordRequest,
  ChangePasswordResponse,
  KeyBackupRequest,
  KeyBackupResponse,
  LoginRequest,
  RecoverRequest,
  RecoveryBackupRequest,
  RecoveryStatus,
  RefreshResponse,
  RegisterRequest,
  SessionResponse,
  SetRecoveryRequest,
} from '@anochat/schemas/api/auth';
import type { DeviceListResponse } from '@anochat/schemas/api/devices';
import type { UserLookupResponse } from '@anochat/schemas/api/users';
import type { HttpClient } from './http-client.ts';

/** The sync server's HTTP routes (docs/protocol.md), typed by schemas/api. */
export function createServerApi(http: HttpClient) {
  return {
    register: (body: RegisterRequest) =>
      http.request<SessionResponse>('POST', '/api/auth/register', { body }),
    login: (body: LoginRequest) =>
      http.request<SessionResponse>('POST', '/api/auth/login', { body }),
    keyBackup: (body: KeyBackupRequest) =>
      http.request<KeyBackupResponse>('POST', '/api/auth/key-backup', { body }),
    refresh: (refreshToken: string) =>
      http.request<RefreshResponse>('POST', '/api/auth/refresh', { body: { refreshToken } }),
    changePassword: (token: string, body: ChangePasswordRequest) =>
      http.request<ChangePasswordResponse>('POST', '/api/auth/password', { token, body }),
    recoveryBackup: (body: RecoveryBackupRequest) =>
      http.request<KeyBackupResponse>('POST', '/api/auth/recovery/key-backup', { body }),
    recover: (body: RecoverRequest) =>
      http.request<SessionResponse>('POST', '/api/auth/recover', { body }),
    recoveryStatus: (token: string) =>
      http.request<RecoveryStatus>('GET', '/api/auth/recovery', { token }),
    setRecovery: (token: string, body: SetRecoveryRequest) =>
      http.request<void>('PUT', '/api/auth/recovery', { token, body }),
    logout: (token: string, revocation: string) =>
      http.request<void>('POST', '/api/auth/logout', { token, body: { revocation } }),
    listDevices: (token: string) =>
      http.request<DeviceListResponse>('GET', '/api/devices', { token }),
    revokeDevice: (token: string, deviceId: string, revocation: string) =>
      http.request<void>('DELETE', `/api/devices/${encodeURIComponent(deviceId)}`, {
        token,
        body: { revocation },
      }),
    renameDevice: (token: string, deviceId: string, name: string) =>
      http.request<void>('PATCH', `/api/devices/${encodeURIComponent(deviceId)}`, {
        token,
        body: { name },
      }),
    findUser: (token: string, username: string) =>
      http.request<UserLookupResponse>('POST', '/api/users/lookup', { token, body: { username } }),
  };
}

export type ServerApi = ReturnType<typeof createServerApi>;
