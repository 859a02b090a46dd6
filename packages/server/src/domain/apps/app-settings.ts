import { PasskeydError } from '../errors.js';
import {
  WEBAUTHN_HINTS,
  type AaguidPolicy,
  type AttestationConveyance,
  type AuthenticatorAttachment,
  type UserVerificationPolicy,
  type WebAuthnHint,
} from '../types.js';
import { validateAuthenticatorPolicy } from './authenticator-policy-settings.js';

export interface AppSettingsInput {
  name?: string;
  rpId?: string;
  rpName?: string;
  origins?: string[];
  relatedOrigins?: string[];
  userVerification?: UserVerificationPolicy;
  authenticatorAttachment?: AuthenticatorAttachment | null;
  ceremonyTimeoutMs?: number;
  transactionTtlSeconds?: number | null;
  hints?: string[];
  preventLastPasskeyRemoval?: boolean;
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
  if (value.startsWith(ANDROID_ORIGIN_PREFIX)) return checkAndroidOrigin(value);
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

/**
 * Credential Manager sends an Android app's origin as `android:apk-key-hash:` followed by the
 * unpadded base64url SHA-256 of the app's signing certificate (Android "Credential Manager:
 * verify origin"). That is exactly 43 characters, and since 32 bytes leave 2 spare bits in the
 * last character, only a canonical encoding can ever match: anything else is a typo.
 */
export const ANDROID_ORIGIN_PREFIX = 'android:apk-key-hash:';
const APK_KEY_HASH = /^[A-Za-z0-9_-]{43}$/;

export const isAndroidOrigin = (origin: string): boolean =>
  origin.startsWith(ANDROID_ORIGIN_PREFIX);

function checkAndroidOrigin(value: string): string {
  const hash = value.slice(ANDROID_ORIGIN_PREFIX.length);
  if (!APK_KEY_HASH.test(hash) || Buffer.from(hash, 'base64url').toString('base64url') !== hash) {
    throw bad(
      `origin "${value}" must be android:apk-key-hash: and the 43-character unpadded base64url SHA-256 of the app's signing certificate (see docs/mobile.md)`,
      'origins',
    );
  }
  return value;
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
    // An app origin has no host: Digital Asset Links on the RP ID's domain vouch for it instead.
    if (isAndroidOrigin(origin)) continue;
    if (!isOnRpId(origin, rpId)) {
      throw bad(
        `origin ${origin} is not on RP ID ${rpId} or one of its subdomains; an origin on another domain belongs in related_origins`,
        'origins',
      );
    }
  }
}

/**
 * WebAuthn L3 §5.8.7: hints are ordered by preference and a client ignores values it does not
 * know, so an unknown one would silently do nothing: refused here instead. A value listed twice
 * is a mistake as well. Shared by the app default and a transaction's own `hints`.
 */
export function validateHints(hints: readonly string[], field = 'hints'): WebAuthnHint[] {
  for (const h of hints) {
    if (!(WEBAUTHN_HINTS as readonly string[]).includes(h)) {
      throw bad(`hint "${h}" is not one of ${WEBAUTHN_HINTS.join(', ')}`, field);
    }
  }
  if (new Set(hints).size !== hints.length) throw bad('hints must not repeat a value', field);
  return [...hints] as WebAuthnHint[];
}

function isOnRpId(origin: string, rpId: string): boolean {
  const host = new URL(origin).hostname;
  return host === rpId || host.endsWith(`.${rpId}`);
}

/**
 * Related Origin Requests (WebAuthn L3 §5.11) let a page on another domain use this RP ID once
 * the RP ID's `/.well-known/webauthn` lists it. They are a list of their own, so a foreign
 * origin is never added by a typo in `origins`; and only such origins, since an origin on the RP
 * ID needs no well-known file. https only: the browser fetches that file only for secure origins.
 */
export function validateRelatedOrigins(rpId: string, values: readonly string[]): string[] {
  const related = [...new Set(values.map(normalizeOrigin))];
  for (const origin of related) {
    if (isAndroidOrigin(origin) || !origin.startsWith('https:')) {
      throw bad(`related origin ${origin} must be an https web origin`, 'related_origins');
    }
    if (isOnRpId(origin, rpId)) {
      throw bad(
        `related origin ${origin} is on RP ID ${rpId}; list it in origins instead`,
        'related_origins',
      );
    }
  }
  return related;
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
  const relatedOrigins = validateRelatedOrigins(rpId, s.relatedOrigins ?? []);
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
    relatedOrigins,
    userVerification: s.userVerification ?? 'preferred',
    authenticatorAttachment: s.authenticatorAttachment ?? null,
    ceremonyTimeoutMs,
    transactionTtlSeconds: ttl,
    hints: validateHints(s.hints ?? []),
    preventLastPasskeyRemoval: s.preventLastPasskeyRemoval ?? false,
    ...validateAuthenticatorPolicy(s),
  };
}
