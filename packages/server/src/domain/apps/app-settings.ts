import { PasskeydError } from '../errors.js';
import type {
  AaguidPolicy,
  AttestationConveyance,
  AuthenticatorAttachment,
  UserVerificationPolicy,
} from '../types.js';
import { validateAuthenticatorPolicy } from './authenticator-policy-settings.js';

export interface AppSettingsInput {
  name?: string;
  rpId?: string;
  rpName?: string;
  origins?: string[];
  userVerification?: UserVerificationPolicy;
  authenticatorAttachment?: AuthenticatorAttachment | null;
  ceremonyTimeoutMs?: number;
  transactionTtlSeconds?: number | null;
  // Attestation and authenticator policy (authenticator-policy-settings.ts).
  attestation?: AttestationConveyance;
  aaguidPolicy?: AaguidPolicy;
  aaguids?: string[];
  requireFidoCertified?: boolean;
}

const bad = (message: string, field: string) =>
  new PasskeydError('invalid_request', message, { details: { field } });

/**
 * Browsers send `clientDataJSON.origin` as scheme://host[:port] with default ports elided, so we
 * store exactly that form and compare strings. A path, query or credentials in the configured
 * value is a mistake, not something to strip silently.
 */
export function normalizeOrigin(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw bad(`"${value}" is not a URL origin such as https://app.example.com`, 'origins');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw bad(`origin "${value}" must use https (or http for localhost)`, 'origins');
  }
  if (url.protocol === 'http:' && !isLocalhost(url.hostname)) {
    // WebAuthn only runs in secure contexts; plain http works for localhost alone.
    throw bad(
      `origin "${value}" must use https; http is only a secure context on localhost`,
      'origins',
    );
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username) {
    throw bad(`origin "${value}" must not have a path, query or credentials`, 'origins');
  }
  return url.origin;
}

function isLocalhost(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

const RP_ID = /^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/;

/**
 * The RP ID must be the origin's host or a registrable suffix of it (WebAuthn §5.1.3 step 8,
 * HTML "is a registrable domain suffix of or is equal to"). We check the suffix relation; the
 * public-suffix part is the browser's to enforce.
 */
export function checkRpIdAgainstOrigins(rpId: string, origins: string[]): void {
  if (!RP_ID.test(rpId)) {
    throw bad(`RP ID "${rpId}" must be a lowercase domain name such as example.com`, 'rp_id');
  }
  for (const origin of origins) {
    const host = new URL(origin).hostname;
    if (host !== rpId && !host.endsWith(`.${rpId}`)) {
      throw bad(`origin ${origin} is not on RP ID ${rpId} or one of its subdomains`, 'origins');
    }
  }
}

export function validateAppSettings(
  s: Required<Pick<AppSettingsInput, 'name' | 'rpId' | 'origins'>> & AppSettingsInput,
) {
  const name = s.name.trim();
  if (!name || name.length > 200) throw bad('name must be 1-200 characters', 'name');
  if (s.origins.length === 0) throw bad('at least one allowed origin is required', 'origins');
  const origins = [...new Set(s.origins.map(normalizeOrigin))];
  const rpId = s.rpId.trim().toLowerCase();
  checkRpIdAgainstOrigins(rpId, origins);
  const rpName = (s.rpName ?? name).trim() || name;
  const ceremonyTimeoutMs = s.ceremonyTimeoutMs ?? 300_000;
  if (
    !Number.isInteger(ceremonyTimeoutMs) ||
    ceremonyTimeoutMs < 10_000 ||
    ceremonyTimeoutMs > 3_600_000
  ) {
    throw bad('ceremony timeout must be 10 000 to 3 600 000 ms', 'ceremony_timeout_ms');
  }
  const ttl = s.transactionTtlSeconds ?? null;
  if (ttl !== null && (!Number.isInteger(ttl) || ttl < 10 || ttl > 86_400)) {
    throw bad('transaction TTL must be 10 to 86 400 seconds', 'transaction_ttl_seconds');
  }
  return {
    name,
    rpId,
    rpName,
    origins,
    userVerification: s.userVerification ?? 'preferred',
    authenticatorAttachment: s.authenticatorAttachment ?? null,
    ceremonyTimeoutMs,
    transactionTtlSeconds: ttl,
    ...validateAuthenticatorPolicy(s),
  };
}
