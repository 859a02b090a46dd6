import { decodeBase64Any, toBase64Url } from '../encoding.js';
import { PasskeydError, isPasskeydError } from '../errors.js';
import { FORMAT_NAME, FORMAT_VERSION, type PortableHeader } from './format.js';
import { toCosePublicKey } from './public-key.js';

/** A credential of an import record, validated and in passkeyd's terms. */
export interface CredentialDraft {
  credentialId: string;
  publicKey: string;
  alg: number;
  signCount: number;
  transports: string[];
  aaguid: string;
  backupEligible: boolean;
  backedUp: boolean;
  createdAt: number | null;
  lastUsedAt: number | null;
  displayName: string | null;
  usageCount: number;
}

export type CredentialParse =
  | { ok: true; draft: CredentialDraft }
  | { ok: false; credentialId: string | undefined; error: PasskeydError };

/** A user line, validated. Its credentials are judged one by one: one bad key spoils no other. */
export interface ImportCandidate {
  line: number;
  externalId: string;
  userHandle: string | undefined;
  status: 'active' | 'inactive' | undefined;
  createdAt: number | undefined;
  lastLoginAt: number | null | undefined;
  loginCount: number | undefined;
  credentials: CredentialParse[];
}

const ZERO_AAGUID = '00000000-0000-0000-0000-000000000000';
// WebAuthn: credential ids are at most 1023 bytes (§5.8.3), user handles at most 64 (§5.4.3).
const MAX_CREDENTIAL_ID_BYTES = 1023;
const MAX_USER_HANDLE_BYTES = 64;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

const invalid = (field: string, message: string) =>
  new PasskeydError('invalid_request', message, { details: { field } });

export function isHeader(value: unknown): value is PortableHeader {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { format?: unknown }).format === FORMAT_NAME
  );
}

/** Checks a header line; a newer version than ours is refused rather than half-read. */
export function checkHeader(header: PortableHeader, rpId: string): void {
  if (header.version !== FORMAT_VERSION) {
    throw invalid(
      'version',
      `This passkeyd reads ${FORMAT_NAME} version ${FORMAT_VERSION}; the file is version ${String(header.version)}.`,
    );
  }
  // Passkeys are bound to their RP ID: imported into an app with another one, none could sign in.
  if (header.rp_id !== undefined && header.rp_id !== rpId) {
    throw invalid(
      'rp_id',
      `The file's passkeys belong to RP ID "${header.rp_id}" but this app's RP ID is "${rpId}"; they could not sign in here.`,
    );
  }
}

/**
 * Validates one user record (throws PasskeydError for the record as a whole). With
 * `credentials: false` its credentials are left for parseCredentials, which can pause between
 * them.
 */
export function parseRecord(
  value: unknown,
  line: number,
  opts: { credentials?: boolean } = {},
): ImportCandidate {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid('', 'A record must be a JSON object.');
  const r = value as Record<string, unknown>;
  const externalId = r.external_id;
  if (typeof externalId !== 'string' || externalId.trim().length === 0 || externalId.length > 255) {
    throw invalid('external_id', 'external_id must be 1-255 characters.');
  }
  const credentials = r.credentials ?? [];
  if (!Array.isArray(credentials)) throw invalid('credentials', 'credentials must be an array.');
  const userHandle =
    r.user_handle === undefined || r.user_handle === null
      ? undefined
      : bytesField(r.user_handle, 'user_handle', MAX_USER_HANDLE_BYTES);
  if (userHandle === undefined && credentials.length > 0) {
    throw invalid(
      'user_handle',
      'user_handle is required with credentials: authenticators return it on discoverable sign-in.',
    );
  }
  if (r.status !== undefined && r.status !== 'active' && r.status !== 'inactive')
    throw invalid('status', 'status must be active or inactive.');
  return {
    line,
    externalId,
    userHandle,
    status: r.status as 'active' | 'inactive' | undefined,
    createdAt: optionalTime(r.created_at, 'created_at') ?? undefined,
    lastLoginAt:
      r.last_login_at === undefined ? undefined : optionalTime(r.last_login_at, 'last_login_at'),
    loginCount: r.login_count === undefined ? undefined : count(r.login_count, 'login_count'),
    credentials:
      opts.credentials === false
        ? []
        : credentials.map((c: unknown, i: number) => parseCredential(c, `credentials[${i}]`)),
  };
}

/**
 * Validates the credentials of a record parseRecord accepted, calling `pause` after each. A key
 * check takes up to 1 ms (an Ed25519 point is decompressed), and one line may hold thousands
 * of credentials: validated at once, 3,000 Ed25519 keys held the event loop for 3 s.
 */
export async function parseCredentials(
  value: unknown,
  candidate: ImportCandidate,
  pause: () => Promise<void>,
): Promise<void> {
  const credentials = (value as { credentials?: unknown }).credentials ?? [];
  if (!Array.isArray(credentials)) return;
  for (let i = 0; i < credentials.length; i++) {
    candidate.credentials.push(parseCredential(credentials[i], `credentials[${i}]`));
    await pause();
  }
}

function parseCredential(value: unknown, path: string): CredentialParse {
  const c = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  let credentialId: string | undefined;
  try {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw invalid(path, `${path} must be a JSON object.`);
    credentialId = bytesField(c.credential_id, 'credential_id', MAX_CREDENTIAL_ID_BYTES);
    const { publicKey, alg } = toCosePublicKey({
      cose: c.public_key_cose,
      spki: c.public_key_spki,
      jwk: c.public_key_jwk,
      alg: c.alg,
    });
    const backupEligible = optionalBool(c.backup_eligible, 'backup_eligible') ?? false;
    const backedUp = optionalBool(c.backup_state, 'backup_state') ?? false;
    // WebAuthn §6.1: BS without BE is not a state an authenticator may report.
    if (backedUp && !backupEligible)
      throw invalid('backup_state', 'backup_state cannot be true when backup_eligible is false.');
    const displayName =
      c.display_name === undefined || c.display_name === null
        ? null
        : String(c.display_name).trim();
    if (displayName !== null && displayName.length > 255)
      throw invalid('display_name', 'display_name is longer than 255 characters.');
    return {
      ok: true,
      draft: {
        credentialId,
        publicKey,
        alg,
        signCount: c.sign_count === undefined ? 0 : count(c.sign_count, 'sign_count', 0xffffffff),
        transports: transports(c.transports),
        aaguid: aaguid(c.aaguid),
        backupEligible,
        backedUp,
        createdAt: optionalTime(c.created_at, 'created_at'),
        lastUsedAt: optionalTime(c.last_used_at, 'last_used_at'),
        displayName: displayName || null,
        usageCount: c.usage_count === undefined ? 0 : count(c.usage_count, 'usage_count'),
      },
    };
  } catch (e) {
    if (!isPasskeydError(e)) throw e;
    const field = typeof e.details?.field === 'string' ? e.details.field : undefined;
    const error =
      field && !field.startsWith(path)
        ? new PasskeydError(e.code, e.message, { details: { field: `${path}.${field}` } })
        : e;
    return { ok: false, credentialId, error };
  }
}

function bytesField(value: unknown, field: string, maxBytes: number): string {
  const bytes = typeof value === 'string' ? decodeBase64Any(value) : undefined;
  if (!bytes || bytes.length === 0 || bytes.length > maxBytes)
    throw invalid(field, `${field} must be base64url of 1-${maxBytes} bytes.`);
  return toBase64Url(bytes);
}

function optionalTime(value: unknown, field: string): number | null {
  if (value === undefined || value === null) return null;
  const ms = typeof value === 'string' && RFC3339.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms))
    throw invalid(
      field,
      `${field} must be an RFC 3339 time with a time zone, e.g. 2025-01-31T12:00:00Z.`,
    );
  return ms;
}

function optionalBool(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalid(field, `${field} must be true or false.`);
  return value;
}

function count(value: unknown, field: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max)
    throw invalid(field, `${field} must be an integer from 0 to ${max}.`);
  return value;
}

function transports(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (
    !Array.isArray(value) ||
    !value.every((t) => typeof t === 'string' && t.length > 0 && t.length <= 32)
  ) {
    throw invalid(
      'transports',
      'transports must be an array of names such as "internal", "hybrid", "usb".',
    );
  }
  return [...new Set(value as string[])].slice(0, 8);
}

function aaguid(value: unknown): string {
  if (value === undefined || value === null || value === '') return ZERO_AAGUID;
  const hex = typeof value === 'string' ? value.replace(/-/g, '').toLowerCase() : '';
  if (!/^[0-9a-f]{32}$/.test(hex)) throw invalid('aaguid', 'aaguid must be a UUID.');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
