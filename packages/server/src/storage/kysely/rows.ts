import type { Selectable } from 'kysely';
import type {
  ApiKey,
  App,
  CeremonyKind,
  Credential,
  Handshake,
  Nonce,
  Transaction,
  User,
  UserEvent,
  EventType,
  UserVerificationPolicy,
  AuthenticatorAttachment,
  WebAuthnHint,
  AttestationConveyance,
  AaguidPolicy,
} from '../../domain/types.js';
import type { Database } from './schema.js';

type Row<T extends keyof Database> = Selectable<Database[T]>;

// PostgreSQL returns int8 as a string unless told otherwise; Number() keeps both engines equal.
const n = (v: number | string): number => Number(v);
const nn = (v: number | string | null): number | null => (v === null ? null : Number(v));
const nbool = (v: number | string | null | undefined): boolean | null =>
  v === null || v === undefined ? null : Number(v) === 1;

/** Largest login or usage count kept: counts are bigint, read back as exact JavaScript numbers. */
export const MAX_COUNT = Number.MAX_SAFE_INTEGER;

export const appFromRow = (r: Row<'apps'>): App => ({
  id: r.id,
  name: r.name,
  rpId: r.rp_id,
  rpName: r.rp_name,
  origins: JSON.parse(r.origins) as string[],
  relatedOrigins: JSON.parse(r.related_origins) as string[],
  userVerification: r.user_verification as UserVerificationPolicy,
  authenticatorAttachment: r.authenticator_attachment as AuthenticatorAttachment | null,
  ceremonyTimeoutMs: n(r.ceremony_timeout_ms),
  transactionTtlSeconds: nn(r.transaction_ttl_seconds),
  hints: JSON.parse(r.hints) as WebAuthnHint[],
  preventLastPasskeyRemoval: n(r.prevent_last_passkey_removal) === 1,
  attestation: r.attestation as AttestationConveyance,
  aaguidPolicy: r.aaguid_policy as AaguidPolicy,
  aaguids: JSON.parse(r.aaguids) as string[],
  requireFidoCertified: n(r.require_fido_certified) === 1,
  createdAt: n(r.created_at),
  updatedAt: n(r.updated_at),
});

export const appToRow = (a: App): Row<'apps'> => ({
  id: a.id,
  name: a.name,
  rp_id: a.rpId,
  rp_name: a.rpName,
  origins: JSON.stringify(a.origins),
  related_origins: JSON.stringify(a.relatedOrigins),
  user_verification: a.userVerification,
  authenticator_attachment: a.authenticatorAttachment,
  ceremony_timeout_ms: a.ceremonyTimeoutMs,
  transaction_ttl_seconds: a.transactionTtlSeconds,
  hints: JSON.stringify(a.hints),
  prevent_last_passkey_removal: a.preventLastPasskeyRemoval ? 1 : 0,
  attestation: a.attestation,
  aaguid_policy: a.aaguidPolicy,
  aaguids: JSON.stringify(a.aaguids),
  require_fido_certified: a.requireFidoCertified ? 1 : 0,
  created_at: a.createdAt,
  updated_at: a.updatedAt,
});

export const apiKeyFromRow = (r: Row<'api_keys'>): ApiKey => ({
  id: r.id,
  appId: r.app_id,
  name: r.name,
  prefix: r.prefix,
  secretHash: r.secret_hash,
  createdAt: n(r.created_at),
  lastUsedAt: nn(r.last_used_at),
  revokedAt: nn(r.revoked_at),
});

export const apiKeyToRow = (k: ApiKey): Row<'api_keys'> => ({
  id: k.id,
  app_id: k.appId,
  name: k.name,
  prefix: k.prefix,
  secret_hash: k.secretHash,
  created_at: k.createdAt,
  last_used_at: k.lastUsedAt,
  revoked_at: k.revokedAt,
});

export const userFromRow = (r: Row<'users'>): User => ({
  id: r.id,
  appId: r.app_id,
  externalId: r.external_id,
  webauthnUserId: r.webauthn_user_id,
  status: r.status as User['status'],
  createdAt: n(r.created_at),
  updatedAt: n(r.updated_at),
  lastLoginAt: nn(r.last_login_at),
  loginCount: n(r.login_count),
});

export const userToRow = (u: User): Row<'users'> => ({
  id: u.id,
  app_id: u.appId,
  external_id: u.externalId,
  webauthn_user_id: u.webauthnUserId,
  status: u.status,
  created_at: u.createdAt,
  updated_at: u.updatedAt,
  last_login_at: u.lastLoginAt,
  login_count: u.loginCount,
});

export const credentialFromRow = (r: Row<'credentials'>): Credential => ({
  id: r.id,
  appId: r.app_id,
  userId: r.user_id,
  credentialId: r.credential_id,
  publicKey: r.public_key,
  alg: n(r.alg),
  signCount: n(r.sign_count),
  transports: JSON.parse(r.transports) as string[],
  aaguid: r.aaguid,
  backupEligible: n(r.backup_eligible) === 1,
  backedUp: n(r.backed_up) === 1,
  attestationFormat: r.attestation_format,
  friendlyName: r.friendly_name,
  createdAt: n(r.created_at),
  updatedAt: n(r.updated_at),
  lastUsedAt: nn(r.last_used_at),
  usageCount: n(r.usage_count),
});

export const credentialToRow = (c: Credential): Row<'credentials'> => ({
  id: c.id,
  app_id: c.appId,
  user_id: c.userId,
  credential_id: c.credentialId,
  public_key: c.publicKey,
  alg: c.alg,
  sign_count: c.signCount,
  transports: JSON.stringify(c.transports),
  aaguid: c.aaguid,
  backup_eligible: c.backupEligible ? 1 : 0,
  backed_up: c.backedUp ? 1 : 0,
  attestation_format: c.attestationFormat,
  friendly_name: c.friendlyName,
  created_at: c.createdAt,
  updated_at: c.updatedAt,
  last_used_at: c.lastUsedAt,
  usage_count: c.usageCount,
});

export const transactionFromRow = (r: Row<'transactions'>): Transaction => ({
  id: r.id,
  appId: r.app_id,
  kind: r.kind as CeremonyKind,
  userId: r.user_id,
  externalId: r.external_id,
  passkeyDisplayName: r.passkey_display_name,
  hints: r.hints === null ? null : (JSON.parse(r.hints) as WebAuthnHint[]),
  userVerification: r.user_verification === 'required' ? 'required' : null,
  createdAt: n(r.created_at),
  expiresAt: n(r.expires_at),
  consumedAt: nn(r.consumed_at),
  ...(r.mediation === 'conditional' && { mediation: 'conditional' as const }),
});

export const transactionToRow = (t: Transaction): Row<'transactions'> => ({
  id: t.id,
  app_id: t.appId,
  kind: t.kind,
  user_id: t.userId,
  external_id: t.externalId,
  passkey_display_name: t.passkeyDisplayName,
  hints: t.hints === null ? null : JSON.stringify(t.hints),
  user_verification: t.userVerification,
  created_at: t.createdAt,
  expires_at: t.expiresAt,
  consumed_at: t.consumedAt,
  mediation: t.mediation ?? null,
});

export const handshakeFromRow = (r: Row<'handshakes'>): Handshake => ({
  id: r.id,
  appId: r.app_id,
  kind: r.kind as CeremonyKind,
  transactionId: r.transaction_id,
  challenge: r.challenge,
  userVerification: r.user_verification as UserVerificationPolicy,
  createdAt: n(r.created_at),
  expiresAt: n(r.expires_at),
  consumedAt: nn(r.consumed_at),
});

export const handshakeToRow = (h: Handshake): Row<'handshakes'> => ({
  id: h.id,
  app_id: h.appId,
  kind: h.kind,
  transaction_id: h.transactionId,
  challenge: h.challenge,
  user_verification: h.userVerification,
  created_at: h.createdAt,
  expires_at: h.expiresAt,
  consumed_at: h.consumedAt,
});

export const nonceFromRow = (r: Row<'nonces'>): Nonce => ({
  hash: r.hash,
  appId: r.app_id,
  userId: r.user_id,
  externalId: r.external_id,
  kind: r.kind as CeremonyKind,
  credentialId: r.credential_id ?? null,
  deviceId: r.device_id ?? null,
  transactionId: r.transaction_id ?? null,
  userVerified: nbool(r.user_verified),
  backedUp: nbool(r.backed_up),
  aaguid: r.aaguid ?? null,
  createdAt: n(r.created_at),
  expiresAt: n(r.expires_at),
  consumedAt: nn(r.consumed_at),
});

export const nonceToRow = (x: Nonce): Row<'nonces'> => ({
  hash: x.hash,
  app_id: x.appId,
  user_id: x.userId,
  external_id: x.externalId,
  kind: x.kind,
  credential_id: x.credentialId,
  device_id: x.deviceId,
  transaction_id: x.transactionId,
  user_verified: x.userVerified === null ? null : Number(x.userVerified),
  backed_up: x.backedUp === null ? null : Number(x.backedUp),
  aaguid: x.aaguid,
  created_at: x.createdAt,
  expires_at: x.expiresAt,
  consumed_at: x.consumedAt,
});

export const eventFromRow = (r: Row<'events'>): UserEvent => ({
  id: r.id,
  appId: r.app_id,
  userId: r.user_id,
  type: r.type as EventType,
  credentialId: r.credential_id,
  ipAddr: r.ip_addr,
  userAgent: r.user_agent,
  detail: r.detail,
  createdAt: n(r.created_at),
});

export const eventToRow = (e: UserEvent): Row<'events'> => ({
  id: e.id,
  app_id: e.appId,
  user_id: e.userId,
  type: e.type,
  credential_id: e.credentialId,
  ip_addr: e.ipAddr,
  user_agent: e.userAgent,
  detail: e.detail,
  external_id: e.externalId ?? null,
  created_at: e.createdAt,
});
