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
import type {
  CreateInviteRequest,
  CreateInviteResponse,
  OpenInviteResponse,
  RedeemInviteResponse,
} from '@anochat/schemas/api/invites';
import type { PushSubscriptionRequest, VapidPublicKeyResponse } from '@anochat/schemas/api/push';
import type { UserSearchResponse } from '@anochat/schemas/api/users';
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
    vapidPublicKey: () => http.request<VapidPublicKeyResponse>('GET', '/api/push/vapid-public-key'),
    putPushSubscription: (token: string, body: PushSubscriptionRequest) =>
      http.request<void>('PUT', '/api/push/subscription', { token, body }),
    deletePushSubscription: (token: string) =>
      http.request<void>('DELETE', '/api/push/subscription', { token }),
    searchUsers: (token: string, query: string) =>
      http.request<UserSearchResponse>('POST', '/api/users/search', { token, body: { query } }),
    createInvite: (token: string, body: CreateInviteRequest) =>
      http.request<CreateInviteResponse>('POST', '/api/invites', { token, body }),
    revokeInvite: (token: string, inviteId: string) =>
      http.request<void>('DELETE', `/api/invites/${encodeURIComponent(inviteId)}`, { token }),
    openInvite: (token: string, inviteToken: string) =>
      http.request<OpenInviteResponse>('POST', '/api/invites/open', {
        token,
        body: { token: inviteToken },
      }),
    redeemInvite: (token: string, inviteToken: string) =>
      http.request<RedeemInviteResponse>('POST', '/api/invites/redeem', {
        token,
        body: { token: inviteToken },
      }),
  };
}

export type ServerApi = ReturnType<typeof createServerApi>;
