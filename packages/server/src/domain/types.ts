/** Domain records. Times are epoch milliseconds; bytes are base64url strings (no padding). */

export type UserVerificationPolicy = 'required' | 'preferred' | 'discouraged';
export type AuthenticatorAttachment = 'platform' | 'cross-platform';
export type CeremonyKind = 'register' | 'authenticate';
/** WebAuthn L3 §5.8.7 PublicKeyCredentialHint: which kind of authenticator the RP expects. */
export type WebAuthnHint = 'security-key' | 'client-device' | 'hybrid';
export const WEBAUTHN_HINTS: readonly WebAuthnHint[] = ['security-key', 'client-device', 'hybrid'];
/** WebAuthn `attestation` conveyance asked for in registration options (docs/attestation.md). */
export type AttestationConveyance = 'none' | 'direct' | 'enterprise';
/** `any`: no AAGUID list; `allow`: only the listed AAGUIDs; `deny`: all but the listed ones. */
export type AaguidPolicy = 'any' | 'allow' | 'deny';

export interface App {
  id: string;
  name: string;
  rpId: string;
  rpName: string;
  /**
   * Exact origins allowed to run ceremonies: web origins (scheme://host[:port]) on the RP ID,
   * which may also call the frontend API, and Android app origins (`android:apk-key-hash:…`).
   */
  origins: string[];
  /** Web origins off the RP ID, allowed by Related Origin Requests (WebAuthn L3 §5.11). */
  relatedOrigins: string[];
  userVerification: UserVerificationPolicy;
  /** Used when the browser asks for `any`/nothing; null leaves the choice to the browser. */
  authenticatorAttachment: AuthenticatorAttachment | null;
  /** WebAuthn `timeout` and the lifetime of a modal ceremony's challenge. */
  ceremonyTimeoutMs: number;
  /** null: the server default (config). */
  transactionTtlSeconds: number | null;
  /** Migration 009. Default `hints` of the app's ceremonies, in order of preference; [] sends none. */
  hints: WebAuthnHint[];
  /** Migration 009. Refuse revoking a user's last passkey (409 `last_passkey`) unless forced. */
  preventLastPasskeyRemoval: boolean;
  // Attestation and authenticator policy (issue 14 item 3, docs/attestation.md).
  attestation: AttestationConveyance;
  aaguidPolicy: AaguidPolicy;
  /** Lowercase hyphenated AAGUIDs the policy lists; empty under `any`. */
  aaguids: string[];
  /** Only authenticators whose FIDO MDS entry has a FIDO_CERTIFIED* status report. */
  requireFidoCertified: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface ApiKey {
  id: string;
  appId: string;
  name: string;
  /** Public, non-secret part shown in lists ("pkd_AbCd1234"). */
  prefix: string;
  /** SHA-256 of the whole key, base64url. The key itself is never stored. */
  secretHash: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface User {
  id: string;
  appId: string;
  externalId: string;
  /** WebAuthn user.id: random bytes (base64url), never the external id. */
  webauthnUserId: string;
  status: 'active' | 'inactive';
  createdAt: number;
  updatedAt: number;
  lastLoginAt: number | null;
  loginCount: number;
}

export interface Credential {
  /** Our id for the passkey ("device" in Passage's API). */
  id: string;
  appId: string;
  userId: string;
  /** WebAuthn credential id, base64url. Unique per app. */
  credentialId: string;
  /** COSE_Key, base64url. */
  publicKey: string;
  /** COSE algorithm identifier (-7 ES256, -8 EdDSA, -257 RS256). */
  alg: number;
  signCount: number;
  transports: string[];
  aaguid: string;
  backupEligible: boolean;
  backedUp: boolean;
  attestationFormat: string;
  friendlyName: string;
  createdAt: number;
  updatedAt: number;
  lastUsedAt: number | null;
  usageCount: number;
}

export interface Transaction {
  id: string;
  appId: string;
  kind: CeremonyKind;
  userId: string;
  externalId: string;
  passkeyDisplayName: string | null;
  /** Migration 009. This ceremony's `hints`, overriding the app's; null: the app's default. */
  hints: WebAuthnHint[] | null;
  /**
   * Migration 009. `required`: step-up, this sign-in must verify the user whatever the app's
   * policy; null: the app's policy.
   */
  userVerification: 'required' | null;
  createdAt: number;
  expiresAt: number;
  consumedAt: number | null;
  /**
   * Register only: `'conditional'` when the app made the transaction for an automatic passkey
   * upgrade (WebAuthn L3 conditional create), which lets F2 accept a registration without user
   * presence. Absent for a normal (modal) registration.
   */
  mediation?: 'conditional';
}

/** A WebAuthn challenge issued by a start call ("handshake" on the wire). */
export interface Handshake {
  id: string;
  appId: string;
  kind: CeremonyKind;
  transactionId: string | null;
  /** base64url of 32 random bytes. */
  challenge: string;
  userVerification: UserVerificationPolicy;
  createdAt: number;
  expiresAt: number;
  consumedAt: number | null;
}

export interface Nonce {
  /** SHA-256 of the nonce, base64url. */
  hash: string;
  appId: string;
  userId: string;
  externalId: string;
  kind: CeremonyKind;
  /**
   * What the ceremony proved, answered by B3 beside the external id. The passkey fields are null
   * only on nonces issued by a node without migration 006 (a rolling upgrade).
   */
  credentialId: string | null;
  /** Our id of the passkey (`Device.id`). */
  deviceId: string | null;
  /** null: a discoverable sign-in (no transaction). */
  transactionId: string | null;
  userVerified: boolean | null;
  backedUp: boolean | null;
  aaguid: string | null;
  createdAt: number;
  expiresAt: number;
  consumedAt: number | null;
}

export type EventType =
  | 'passkey_register'
  | 'passkey_register_refused'
  | 'passkey_login'
  | 'passkey_login_failed'
  | 'passkey_revoke'
  | 'passkey_rename'
  | 'counter_regression'
  | 'backup_eligibility_changed'
  | 'user_delete';

export interface UserEvent {
  id: string;
  appId: string;
  userId: string | null;
  type: EventType;
  credentialId: string | null;
  ipAddr: string | null;
  userAgent: string | null;
  /** Error code for failures. */
  detail: string | null;
  /**
   * The user's external id when the event was written, kept on the event (migration 012) so
   * that a webhook about a deleted user can still name it.
   */
  externalId?: string | null;
  createdAt: number;
}

/**
 * One entry of the admin audit trail (migration 011): who (a non-secret actor id), from where,
 * did what (`type`, e.g. `admin.app.updated`) to what (`target`, an id), and the change.
 * `appId` is null for instance-wide actions (console sign-in, MDS import).
 */
export interface AuditEntry {
  id: string;
  appId: string | null;
  type: string;
  actor: string;
  ipAddr: string | null;
  userAgent: string | null;
  target: string | null;
  /** JSON-serialisable, secrets already removed. */
  change: unknown;
  createdAt: number;
}

/** Who is asking, for events. Never includes secrets. */
export interface RequestMeta {
  ip: string | null;
  userAgent: string | null;
}

/**
 * What passkeyd keeps of a FIDO2 entry of the FIDO Metadata Service BLOB (MDS3), after the
 * BLOB's signature and chain were verified at import.
 */
export interface MdsEntry {
  aaguid: string;
  description: string;
  /** MDS3 statusReports, e.g. FIDO_CERTIFIED_L1, REVOKED, ATTESTATION_KEY_COMPROMISE. */
  statusReports: { status: string; effectiveDate?: string }[];
  /** Base64 DER certificates the authenticator's attestation chains to. */
  attestationRootCertificates: string[];
  attestationTypes: string[];
}

export interface MdsBlob {
  /** The BLOB's serial number; each published BLOB has a greater one. */
  no: number;
  /** YYYY-MM-DD: when FIDO publishes the next one. */
  nextUpdate: string;
  legalHeader: string;
  entries: MdsEntry[];
  importedAt: number;
}
