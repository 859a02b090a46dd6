/**
 * The console's calls to passkeyd: /console/session for signing in and out, and the admin API
 * under /v1/admin, authenticated by the session cookie (same origin, so the browser sends it).
 */

export type UserVerification = 'required' | 'preferred' | 'discouraged';
export type Attachment = 'platform' | 'cross-platform' | null;
export type Hint = 'security-key' | 'client-device' | 'hybrid';
export type Attestation = 'none' | 'direct' | 'enterprise';
export type AaguidPolicy = 'any' | 'allow' | 'deny';

export interface AdminApp {
  id: string;
  name: string;
  rp_id: string;
  rp_name: string;
  origins: string[];
  related_origins: string[];
  user_verification: UserVerification;
  authenticator_attachment: Attachment;
  ceremony_timeout_ms: number;
  transaction_ttl_seconds: number | null;
  hints: Hint[];
  prevent_last_passkey_removal: boolean;
  /** Advice from the server, e.g. more related-origin labels than browsers honour. */
  warnings: string[];
  attestation: Attestation;
  aaguid_policy: AaguidPolicy;
  aaguids: string[];
  require_fido_certified: boolean;
  created_at: string;
  updated_at: string;
}

export type AppSettings = Omit<AdminApp, 'id' | 'created_at' | 'updated_at' | 'warnings'>;

/** The files an operator hosts on the RP ID (docs/mobile.md). */
export interface AppWellKnown {
  webauthn: { origins: string[] };
  assetlinks: unknown[];
  apple_app_site_association: { webcredentials: { apps: string[] } };
  warnings: string[];
}

/** An authenticator model of the server's AAGUID table. */
export interface KnownAuthenticator {
  aaguid: string;
  name: string;
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface AdminUser {
  id: string;
  external_id: string;
  status: string;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
  login_count: number;
  passkey_count: number;
}

export interface Device {
  id: string;
  cred_id: string;
  friendly_name: string;
  type: 'passkey' | 'security_key' | 'platform';
  usage_count: number;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
  icons: { light: string | null; dark: string | null };
  authenticator_name: string | null;
  aaguid: string;
  backup_eligible: boolean;
  backed_up: boolean;
  transports: string[];
}

export interface AdminEvent {
  id: string;
  type: string;
  user_id: string | null;
  external_id: string | null;
  device_id: string | null;
  ip_addr: string | null;
  user_agent: string | null;
  detail: string | null;
  created_at: string;
}

/** One admin action of the audit trail (docs/audit.md). */
export interface AuditEntry {
  id: string;
  app_id: string | null;
  type: string;
  actor: string;
  ip_addr: string | null;
  user_agent: string | null;
  target: string | null;
  change: unknown;
  created_at: string;
}

export interface AuditFilters {
  app_id?: string;
  type?: string;
  actor?: string;
  from?: string;
  to?: string;
}

export interface ActivityBucket {
  start: string;
  registrations: number;
  sign_ins: number;
  failed_sign_ins: number;
}

export interface Activity {
  hours: { bucket: 'hour'; buckets: ActivityBucket[] };
  days: { bucket: 'day'; buckets: ActivityBucket[] };
}

export interface SessionState {
  signed_in: boolean;
  admin_enabled: boolean;
  idle_minutes: number;
}

export interface Page<T> {
  total: number;
  page: number;
  limit: number;
  items: T[];
}

/** A failed call, with passkeyd's stable error code (docs/errors.md). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let onSignedOut: (reason: 'expired') => void = () => {};

/** The app shell registers what to do when the server says the session is gone. */
export function whenSessionEnds(handler: (reason: 'expired') => void): void {
  onSignedOut = handler;
}

export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers:
        body === undefined
          ? { accept: 'application/json' }
          : { accept: 'application/json', 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch {
    throw new ApiError(
      0,
      'network_error',
      'Could not reach the passkeyd server. Check your connection and try again.',
    );
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const err = (json ?? {}) as { code?: string; error?: string };
    const e = new ApiError(
      res.status,
      err.code ?? 'http_error',
      err.error ?? `The server answered ${res.status}.`,
    );
    if (e.code === 'console_session_expired') onSignedOut('expired');
    throw e;
  }
  return json as T;
}

const app = (appId: string) => `/v1/admin/apps/${encodeURIComponent(appId)}`;

function query(params: Record<string, string | number | string[] | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === '') continue;
    for (const item of Array.isArray(v) ? v : [v]) q.append(k, String(item));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const api = {
  session: () => call<SessionState>('GET', '/console/session'),
  signIn: (token: string) => call<SessionState>('POST', '/console/session', { token }),
  signOut: () => call<SessionState>('DELETE', '/console/session'),
  /** Ends every console session, this one included (a stolen cookie, a removed token). */
  signOutEverywhere: () => call<{ deleted: number }>('DELETE', '/v1/admin/console-sessions'),

  listAuthenticators: async () =>
    (await call<{ authenticators: KnownAuthenticator[] }>('GET', '/v1/admin/authenticators'))
      .authenticators,
  listApps: async () => (await call<{ apps: AdminApp[] }>('GET', '/v1/admin/apps')).apps,
  getApp: async (appId: string) => (await call<{ app: AdminApp }>('GET', app(appId))).app,
  createApp: (settings: Partial<AppSettings> & Pick<AppSettings, 'name' | 'rp_id' | 'origins'>) =>
    call<{ app: AdminApp; api_key: string; api_key_id: string }>(
      'POST',
      '/v1/admin/apps',
      settings,
    ),
  updateApp: async (appId: string, patch: Partial<AppSettings>) =>
    (await call<{ app: AdminApp }>('PATCH', app(appId), patch)).app,

  wellKnown: (appId: string, p: { android_package?: string; apple_app_id?: string }) =>
    call<AppWellKnown>('GET', `${app(appId)}/well-known${query(p)}`),

  deleteApp: (appId: string) =>
    call<{ app_id: string; deleted: Record<string, number> }>('DELETE', app(appId)),

  listKeys: async (appId: string) =>
    (await call<{ keys: ApiKey[] }>('GET', `${app(appId)}/keys`)).keys,
  createKey: (appId: string, name: string) =>
    call<{ key: ApiKey; api_key: string }>('POST', `${app(appId)}/keys`, { name }),
  revokeKey: (appId: string, keyId: string) =>
    call<void>('DELETE', `${app(appId)}/keys/${encodeURIComponent(keyId)}`),

  listUsers: async (
    appId: string,
    p: { search?: string; page?: number; limit?: number },
  ): Promise<Page<AdminUser>> => {
    const r = await call<{ users: AdminUser[]; total: number; page: number; limit: number }>(
      'GET',
      `${app(appId)}/users${query(p)}`,
    );
    return { total: r.total, page: r.page, limit: r.limit, items: r.users };
  },
  getUser: (appId: string, userId: string) =>
    call<{ user: AdminUser; devices: Device[]; events: AdminEvent[] }>(
      'GET',
      `${app(appId)}/users/${encodeURIComponent(userId)}`,
    ),
  deleteUser: (appId: string, userId: string) =>
    call<void>('DELETE', `${app(appId)}/users/${encodeURIComponent(userId)}`),
  renameDevice: async (appId: string, userId: string, deviceId: string, name: string) =>
    (
      await call<{ device: Device }>(
        'PATCH',
        `${app(appId)}/users/${encodeURIComponent(userId)}/devices/${encodeURIComponent(deviceId)}`,
        { friendly_name: name },
      )
    ).device,
  /** `force` removes a user's last passkey despite the app's guard (409 `last_passkey`). */
  revokeDevice: (appId: string, userId: string, deviceId: string, force = false) =>
    call<void>(
      'DELETE',
      `${app(appId)}/users/${encodeURIComponent(userId)}/devices/${encodeURIComponent(deviceId)}${force ? '?force=true' : ''}`,
    ),

  listEvents: async (
    appId: string,
    p: {
      type?: string[];
      user_id?: string;
      external_id?: string;
      from?: string;
      to?: string;
      page?: number;
      limit?: number;
    },
  ): Promise<Page<AdminEvent>> => {
    const r = await call<{ events: AdminEvent[]; total: number; page: number; limit: number }>(
      'GET',
      `${app(appId)}/events${query(p)}`,
    );
    return { total: r.total, page: r.page, limit: r.limit, items: r.events };
  },
  /** The instance-wide audit trail, newest first; pages as the other lists do. */
  listAudit: async (
    p: AuditFilters & { page: number; limit: number },
  ): Promise<Page<AuditEntry>> => {
    const { page, limit, ...filters } = p;
    const r = await call<{ entries: AuditEntry[]; total: number; limit: number; offset: number }>(
      'GET',
      `/v1/admin/audit${query({ ...filters, limit, offset: (page - 1) * limit })}`,
    );
    return { total: r.total, page, limit: r.limit, items: r.entries };
  },
  /** The NDJSON export's address for the same filters (a download: the cookie authenticates it). */
  auditExportUrl: (filters: AuditFilters) => `/v1/admin/audit/export${query({ ...filters })}`,
  activity: (appId: string) =>
    call<Activity>(
      'GET',
      `${app(appId)}/events/activity${query({ utc_offset_minutes: -new Date().getTimezoneOffset() })}`,
    ),
};
