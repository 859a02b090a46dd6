import { PasskeydError } from './errors.js';
import type { Clock, Storage } from './ports.js';
import { randomToken, sha256 } from './secrets.js';
import type { CeremonyKind, User } from './types.js';

const NONCE_FORMAT = /^nce_[A-Za-z0-9_-]{43}$/;

/**
 * Issues the one-time proof of a finished ceremony. 32 random bytes; only the SHA-256 is
 * stored, so a database leak yields no redeemable nonces. Runs inside the ceremony's database
 * transaction so a nonce exists only if the ceremony's writes committed.
 */
export async function issueNonce(
  storage: Storage,
  p: { user: User; kind: CeremonyKind; now: number; ttlSeconds: number },
): Promise<string> {
  const nonce = `nce_${randomToken(32)}`;
  await storage.nonces.create({
    hash: sha256(nonce),
    appId: p.user.appId,
    userId: p.user.id,
    externalId: p.user.externalId,
    kind: p.kind,
    createdAt: p.now,
    expiresAt: p.now + p.ttlSeconds * 1000,
    consumedAt: null,
  });
  return nonce;
}

/**
 * Redeems a nonce for the external id it was issued for. Single use even under concurrency: the
 * storage marks it consumed in one conditional statement. Every failure (unknown, expired,
 * used, other app, malformed) is the same 401 `invalid_nonce`, as Passage answered.
 * Lookup is by hash; the hash of a 256-bit secret leaks nothing through timing.
 */
export async function redeemNonce(
  appId: string,
  nonce: string,
  deps: { storage: Storage; clock: Clock },
): Promise<string> {
  if (!NONCE_FORMAT.test(nonce)) throw new PasskeydError('invalid_nonce');
  const redeemed = await deps.storage.nonces.redeem(appId, sha256(nonce), deps.clock.now());
  if (!redeemed) throw new PasskeydError('invalid_nonce');
  return redeemed.externalId;
}
