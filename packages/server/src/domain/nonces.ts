import { PasskeydError } from './errors.js';
import type { Clock, PresentedApiKey, Storage } from './ports.js';
import { randomToken, sha256 } from './secrets.js';
import type { Nonce } from './types.js';

const NONCE_FORMAT = /^nce_[A-Za-z0-9_-]{43}$/;

/**
 * A new nonce and what is stored of it: 32 random bytes, of which only the SHA-256 is kept, so a
 * database leak yields no redeemable nonces. The ceremony's storage statement stores it with the
 * rest of the ceremony's writes (storage.ceremonies), so a nonce exists only if they committed.
 */
export function newNonce(
  now: number,
  ttlSeconds: number,
): { value: string; stored: { hash: string; expiresAt: number } } {
  const value = `nce_${randomToken(32)}`;
  return { value, stored: { hash: sha256(value), expiresAt: now + ttlSeconds * 1000 } };
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
    hash: NONCE_FORMAT.test(nonce) ? sha256(nonce) : null,
    now: deps.clock.now(),
  });
  if (!r.ok) throw new PasskeydError(r.reason);
  return r.nonce;
}
