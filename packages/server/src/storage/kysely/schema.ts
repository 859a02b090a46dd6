/**
 * Portable column types only: text ids and base64url bytes, integer epoch-ms times, integer
 * 0/1 booleans, JSON arrays as text. The same repository code then runs on SQLite and PostgreSQL
 * without branching on the engine.
 */
export interface AppsTable {
  id: string;
  name: string;
  rp_id: string;
  rp_name: string;
  origins: string;
  related_origins: string;
  user_verification: string;
  authenticator_attachment: string | null;
  ceremony_timeout_ms: number;
  transaction_ttl_seconds: number | null;
  /** Migration 009: JSON array of WebAuthn hints; 0/1 last-passkey guard. */
  hints: string;
  prevent_last_passkey_removal: number;
  /** Migration 008: attestation and authenticator policy; aaguids is a JSON array. */
  attestation: string;
  aaguid_policy: string;
  aaguids: string;
  require_fido_certified: number;
  created_at: number;
  updated_at: number;
}

export interface ApiKeysTable {
  id: string;
  app_id: string;
  name: string;
  prefix: string;
  secret_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface UsersTable {
  id: string;
  app_id: string;
  external_id: string;
  webauthn_user_id: string;
  status: string;
  created_at: number;
  updated_at: number;
  last_login_at: number | null;
  login_count: number;
}

export interface CredentialsTable {
  id: string;
  app_id: string;
  user_id: string;
  credential_id: string;
  public_key: string;
  alg: number;
  sign_count: number;
  transports: string;
  aaguid: string;
  backup_eligible: number;
  backed_up: number;
  attestation_format: string;
  friendly_name: string;
  created_at: number;
  updated_at: number;
  last_used_at: number | null;
  usage_count: number;
}

export interface TransactionsTable {
  id: string;
  app_id: string;
  kind: string;
  user_id: string;
  external_id: string;
  passkey_display_name: string | null;
  /** Migration 009: JSON array of hints, or null for the app's; step-up `required` or null. */
  hints: string | null;
  user_verification: string | null;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
  /** 'conditional' for an automatic passkey upgrade (migration 007); null otherwise. */
  mediation: string | null;
}

export interface HandshakesTable {
  id: string;
  app_id: string;
  kind: string;
  transaction_id: string | null;
  challenge: string;
  user_verification: string;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

export interface NoncesTable {
  hash: string;
  app_id: string;
  user_id: string;
  external_id: string;
  kind: string;
  /** Migration 006: what the ceremony proved; null on rows from before it. */
  credential_id: string | null;
  device_id: string | null;
  transaction_id: string | null;
  user_verified: number | null;
  backed_up: number | null;
  aaguid: string | null;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

export interface EventsTable {
  id: string;
  app_id: string;
  user_id: string | null;
  type: string;
  credential_id: string | null;
  ip_addr: string | null;
  user_agent: string | null;
  detail: string | null;
  /** The user's external id when the event was written (migration 012): outlives the user. */
  external_id: string | null;
  created_at: number;
}

/**
 * Admin console sessions (migrations 002, 003); only the SHA-256 of the session id is stored,
 * and of the token that opened it only a fingerprint.
 */
export interface ConsoleSessionsTable {
  id_hash: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  absolute_expires_at: number;
  token_id: string;
}

/** The imported FIDO MDS3 BLOB (migration 008); `entries` is JSON. */
export interface MdsBlobsTable {
  no: number;
  next_update: string;
  legal_header: string;
  entries: string;
  entry_count: number;
  imported_at: number;
}

/** The admin audit trail (migration 011); `change` is JSON, `app_id` null for instance-wide. */
export interface AuditLogTable {
  id: string;
  app_id: string | null;
  type: string;
  actor: string;
  ip_addr: string | null;
  user_agent: string | null;
  target: string | null;
  change: string | null;
  created_at: number;
}

/** Webhook endpoints per app (migration 012); `event_types` is a JSON array, [] for all. */
export interface WebhookEndpointsTable {
  id: string;
  app_id: string;
  url: string;
  description: string | null;
  event_types: string;
  enabled: number;
  disabled_reason: string | null;
  consecutive_failures: number;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: number | null;
  created_at: number;
  updated_at: number;
}

/** The webhook outbox (migration 012): rows made by the fan-out triggers on events/audit_log. */
export interface WebhookDeliveriesTable {
  id: string;
  endpoint_id: string;
  app_id: string;
  source: string;
  source_id: string;
  event_type: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  leased_by: string | null;
  last_status_code: number | null;
  last_latency_ms: number | null;
  last_error: string | null;
  last_response_excerpt: string | null;
  last_attempt_at: number | null;
  delivered_at: number | null;
  created_at: number;
}

export interface Database {
  apps: AppsTable;
  api_keys: ApiKeysTable;
  users: UsersTable;
  credentials: CredentialsTable;
  transactions: TransactionsTable;
  handshakes: HandshakesTable;
  nonces: NoncesTable;
  events: EventsTable;
  console_sessions: ConsoleSessionsTable;
  mds_blobs: MdsBlobsTable;
  audit_log: AuditLogTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}
