import { PasskeydError } from './errors.js';
import type { Clock, PresentedApiKey, Storage } from './ports.js';
import { randomToken, sha256, sortableTime } from './secrets.js';
import type { Nonce } from './types.js';

/** `nce_`, 8 characters of time (secrets.ts sortableTime), 32 random bytes. */
const NONCE_FORMAT = /^nce_[A-Za-z0-9_-]{51}$/;
/** Nonces issued before the time prefix (until 2026-12-02): redeemable for their TTL. */
const UNPREFIXED_NONCE_FORMAT = /^nce_[A-Za-z0-9_-]{43}$/;

/**
 * A new nonce and what is stored of it: 32 random bytes, of which only the SHA-256 is kept, so a
 * database leak yields no redeemable nonces. The ceremony's storage statement stores it with the
 * rest of the ceremony's writes (storage.ceremonies), so a nonce exists only if they committed.
 *
 * The nonce starts with its creation time, and so does the stored key (the time, then the hash
 * of the whole nonce): a key that is only a hash puts every new nonce on a random leaf of the
 * nonces primary key, a WAL page per nonce per commit (secrets.ts newTimeOrderedId has the
 * figures). The time is not secret; the 256 random bits are what cannot be guessed.
 */
export function newNonce(
  now: number,
  ttlSeconds: number,
): { value: string; stored: { hash: string; expiresAt: number } } {
  const time = sortableTime(now);
  const value = `nce_${time}${randomToken(32)}`;
  // storedKeyOf's first case, without testing the shape of a value made just above.
  return { value, stored: { hash: time + sha256(value), expiresAt: now + ttlSeconds * 1000 } };
}

/** The key a nonce is stored under, or null for a value no nonce can have. */
export function storedKeyOf(nonce: string): string | null {
  if (NONCE_FORMAT.test(nonce)) return nonce.slice(4, 12) + sha256(nonce);
  return UNPREFIXED_NONCE_FORMAT.test(nonce) ? sha256(nonce) : null;
}

/**
 * Redeems a nonce and returns what it proves: whose ceremony, which kind, which passkey. Single
 * use even under concurrency: the storage marks it consumed in one conditional statement. Every
 * failure (unknown, expired, used, other app, malformed) is the same 401 `invalid_nonce`, as
 * Passage answered. Lookup is by hash; the hash of a 256-bit secret leaks nothing through timing.
 */
export async function redeemNonce(
  appId: string,
  nonce: string,
  key: PresentedApiKey | undefined,
  deps: { storage: Storage; clock: Clock },
): Promise<Nonce> {
  if (!key) throw new PasskeydError('invalid_access_token');
  // The API key is checked in the same statement (a bad key answers 401 before the nonce); a
  // malformed nonce still runs it, with no hash, so the key error keeps its precedence.
  const r = await deps.storage.ceremonies.redeemNonce({
    key,
    appId,
    hash: storedKeyOf(nonce),
    now: deps.clock.now(),
  });
  if (!r.ok) throw new PasskeydError(r.reason);
  return r.nonce;
}
