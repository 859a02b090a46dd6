import type { ApiKey, App, Credential, Nonce, User, UserEvent } from '../domain/types.js';
import type { DeletedAppRows } from '../domain/apps/apps.js';
import { lookupAuthenticator } from '../domain/aaguid/lookup.js';
import { webOrigins } from '../domain/apps/app-origins.js';
import { relatedOriginWarnings } from '../domain/apps/related-origins.js';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/**
 * Passage's device `type` (passage-wire.md §3.8): a backup-eligible credential is a synced
 * passkey; one that only travels over usb/nfc/ble is a security key; the rest are device-bound
 * platform credentials.
 */
export function deviceType(c: Credential): 'passkey' | 'security_key' | 'platform' {
  if (c.backupEligible) return 'passkey';
  const roaming = c.transports.some((t) => t === 'usb' || t === 'nfc' || t === 'ble');
  if (roaming && !c.transports.includes('internal')) return 'security_key';
  return 'platform';
}

export function deviceToWire(c: Credential) {
  const authenticator = lookupAuthenticator(c.aaguid);
  return {
    id: c.id,
    cred_id: c.credentialId,
    friendly_name: c.friendlyName,
    type: deviceType(c),
    usage_count: c.usageCount,
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
    last_login_at: isoOrNull(c.lastUsedAt),
    icons: { light: authenticator?.iconLight ?? null, dark: authenticator?.iconDark ?? null },
    authenticator_name: authenticator?.name ?? null,
    aaguid: c.aaguid,
    backup_eligible: c.backupEligible,
    backed_up: c.backedUp,
    transports: c.transports,
  };
}

/** B3: the external id Passage answered, and what the ceremony behind the nonce proved. */
export function verifiedNonceToWire(x: Nonce) {
  return {
    external_id: x.externalId,
    ceremony: x.kind,
    credential_id: x.credentialId,
    device_id: x.deviceId,
    transaction_id: x.transactionId,
    user_verified: x.userVerified,
    backed_up: x.backedUp,
    authenticator_name: x.aaguid === null ? null : (lookupAuthenticator(x.aaguid)?.name ?? null),
    authenticated_at: iso(x.createdAt),
  };
}

export function listedUserToWire(u: User) {
  return {
    id: u.id,
    external_id: u.externalId,
    status: u.status,
    // Flex users have no email or phone; OAS types them as plain strings (passage-wire.md §3.6).
    email: '',
    email_verified: false,
    phone: '',
    phone_verified: false,
    created_at: iso(u.createdAt),
    updated_at: iso(u.updatedAt),
    // Passage's value for "never signed in" is unknown (passage-wire.md §7); null is honest, and
    // the Passage SDKs' `new Date(null)` turns it into the epoch rather than failing.
    last_login_at: isoOrNull(u.lastLoginAt),
    login_count: u.loginCount,
    user_metadata: {},
    // passkeyd extension: the WebAuthn user handle (base64url), for the WebAuthn signal APIs.
    webauthn_user_id: u.webauthnUserId,
  };
}

const ACTIONS: Record<string, 'register' | 'login' | 'other'> = {
  passkey_register: 'register',
  passkey_register_refused: 'register',
  passkey_login: 'login',
  passkey_login_failed: 'login',
};

export function eventToWire(e: UserEvent) {
  const failed =
    e.type === 'passkey_login_failed' ||
    e.type === 'passkey_register_refused' ||
    e.type === 'counter_regression' ||
    e.type === 'backup_eligibility_changed';
  return {
    id: e.id,
    type: e.type,
    action: ACTIONS[e.type] ?? 'other',
    status: failed ? 'incomplete' : 'complete',
    created_at: iso(e.createdAt),
    completed_at: failed ? null : iso(e.createdAt),
    ip_addr: e.ipAddr ?? '',
    user_agent: e.userAgent ?? '',
    user_agent_display: e.userAgent ?? '',
    social_login_type: null,
  };
}

export function userToWire(u: User, credentials: Credential[], events: UserEvent[]) {
  return {
    ...listedUserToWire(u),
    webauthn: credentials.length > 0,
    webauthn_types: [...new Set(credentials.map(deviceType))],
    webauthn_devices: credentials.map(deviceToWire),
    recent_events: events.map(eventToWire),
    social_connections: {},
  };
}

/** B8 body: the fields passage-flex-node 0.x's parser insists on (passage-wire.md §3.10). */
export function appInfoToWire(a: App) {
  return {
    id: a.id,
    name: a.name,
    // The app's web origins (passage-wire.md §3.10); an Android app origin is not one.
    auth_origin: webOrigins(a)[0] ?? '',
    type: 'flex' as const,
    additional_auth_origins: webOrigins(a).slice(1),
    created_at: iso(a.createdAt),
    rp_id: a.rpId,
    user_metadata_schema: [],
    technologies: [],
    layouts: { profile: [], registration: [] },
    auth_methods: null,
    element_customization: null,
    element_customization_dark: null,
  };
}

export function adminAppToWire(a: App) {
  return {
    id: a.id,
    name: a.name,
    rp_id: a.rpId,
    rp_name: a.rpName,
    origins: a.origins,
    related_origins: a.relatedOrigins,
    user_verification: a.userVerification,
    authenticator_attachment: a.authenticatorAttachment,
    ceremony_timeout_ms: a.ceremonyTimeoutMs,
    transaction_ttl_seconds: a.transactionTtlSeconds,
    hints: a.hints,
    prevent_last_passkey_removal: a.preventLastPasskeyRemoval,
    warnings: relatedOriginWarnings(a),
    attestation: a.attestation,
    aaguid_policy: a.aaguidPolicy,
    aaguids: a.aaguids,
    require_fido_certified: a.requireFidoCertified,
    created_at: iso(a.createdAt),
    updated_at: iso(a.updatedAt),
  };
}

export function apiKeyToWire(k: ApiKey) {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    created_at: iso(k.createdAt),
    last_used_at: isoOrNull(k.lastUsedAt),
    revoked_at: isoOrNull(k.revokedAt),
  };
}

/** What an app's deletion removed, as the admin API and the CLI show it. */
export function deletedAppRowsToWire(d: DeletedAppRows) {
  return {
    keys: d.api_keys,
    webhook_endpoints: d.webhook_endpoints,
    users: d.users,
    passkeys: d.credentials,
    events: d.events,
    transactions: d.transactions,
    handshakes: d.handshakes,
    nonces: d.nonces,
  };
}
