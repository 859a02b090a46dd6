/**
 * passkeyd's passkey export format, version 1 (docs/migration.md, "The format"): JSON lines,
 * one user per line with its credentials, optionally preceded by one header line. Field names
 * are snake_case like the rest of the wire; bytes are base64url (standard base64 is accepted on
 * import); times are RFC 3339.
 */

export const FORMAT_NAME = 'passkeyd-passkeys';
export const FORMAT_VERSION = 1;

/** The optional first line. An import refuses a file whose `rp_id` is not the app's. */
export interface PortableHeader {
  format: typeof FORMAT_NAME;
  version: typeof FORMAT_VERSION;
  rp_id?: string;
  app_id?: string;
  exported_at?: string;
}

export interface PortableUser {
  /** The app's own id for the user: what it passes as `external_id` to transactions. */
  external_id: string;
  /**
   * The WebAuthn user handle (`user.id` at registration), base64url. Authenticators return it on
   * discoverable sign-in, so it must be the bytes the credentials were created with. Required
   * when `credentials` is not empty.
   */
  user_handle?: string;
  status?: 'active' | 'inactive';
  created_at?: string;
  last_login_at?: string | null;
  login_count?: number;
  credentials?: PortableCredential[];
}

export type PortableAlgorithm = -7 | -8 | -257 | 'ES256' | 'EdDSA' | 'RS256';

export interface PortableCredential {
  /** base64url of the raw credential id. */
  credential_id: string;
  /** Exactly one of the three key forms. */
  public_key_cose?: string;
  public_key_spki?: string;
  public_key_jwk?: Record<string, unknown>;
  /** COSE algorithm; required with SPKI and JWK. */
  alg?: PortableAlgorithm;
  sign_count?: number;
  transports?: string[];
  aaguid?: string;
  backup_eligible?: boolean;
  backup_state?: boolean;
  created_at?: string;
  last_used_at?: string | null;
  /** Shown in device lists; absent: the authenticator's name from its AAGUID, else "Passkey". */
  display_name?: string;
  usage_count?: number;
}

/** One line of the import report: every refused or skipped credential or line, by line number. */
export interface ImportIssue {
  line: number;
  status: 'skipped' | 'invalid';
  /** A code of domain/errors.ts for invalid records; absent for skips. */
  code?: string;
  message: string;
  external_id?: string;
  credential_id?: string;
  field?: string;
}

export interface ImportReport {
  dry_run: boolean;
  /** Records read (lines, or CSV rows), the header excluded. */
  records: number;
  users_created: number;
  users_existing: number;
  credentials_imported: number;
  credentials_skipped: number;
  credentials_invalid: number;
  /** Records refused as a whole (not JSON, no external_id, ...). */
  records_invalid: number;
  issues: ImportIssue[];
  /** Issues beyond the report's cap, counted but not listed. */
  issues_omitted: number;
  duration_ms: number;
}
