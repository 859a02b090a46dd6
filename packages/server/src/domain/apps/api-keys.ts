import { PasskeydError } from '../errors.js';
import type { Clock, Storage } from '../ports.js';
import { isIdOf, newId, randomToken, safeEqual, sha256 } from '../secrets.js';
import type { ApiKey } from '../types.js';

export interface CreatedApiKey {
  key: ApiKey;
  /** The full secret. Returned once, never stored. */
  secret: string;
}

/**
 * Format: `pkd_<prefix>_<secret>`. The 8-character prefix is public and finds the row; the
 * 32-byte secret is what authenticates, checked by comparing SHA-256 digests in constant time.
 * A fast hash is right here (unlike passwords): the secret has 256 bits of entropy.
 */
const KEY_FORMAT = /^pkd_([A-Za-z0-9_-]{8})_([A-Za-z0-9_-]{43})$/;

export async function createApiKey(
  appId: string,
  name: string,
  deps: { storage: Storage; clock: Clock },
): Promise<CreatedApiKey> {
  const prefix = randomToken(6);
  const secret = `pkd_${prefix}_${randomToken(32)}`;
  const key: ApiKey = {
    id: newId('key'),
    appId,
    name: name.trim().slice(0, 200) || 'default',
    prefix: `pkd_${prefix}`,
    secretHash: sha256(secret),
    createdAt: deps.clock.now(),
    lastUsedAt: null,
    revokedAt: null,
  };
  await deps.storage.apiKeys.create(key);
  return { key, secret };
}

/** How often last-used time is written: a write per request would put a write on every call. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * Authenticates a management API call. Any failure, including a valid key of another app, is the
 * same 401 `invalid_access_token` (passage-wire.md §6.11) so callers cannot probe which keys exist.
 */
export async function authenticateApiKey(
  appId: string,
  presented: string | undefined,
  deps: { storage: Storage; clock: Clock },
): Promise<ApiKey> {
  const m = presented ? KEY_FORMAT.exec(presented) : null;
  const key = m ? await deps.storage.apiKeys.findByPrefix(`pkd_${m[1]}`) : undefined;
  const hashMatches = key !== undefined && safeEqual(key.secretHash, sha256(presented ?? ''));
  if (!key || !hashMatches || key.revokedAt !== null || key.appId !== appId) {
    throw new PasskeydError('invalid_access_token');
  }
  const now = deps.clock.now();
  if (key.lastUsedAt === null || now - key.lastUsedAt > TOUCH_INTERVAL_MS) {
    await deps.storage.apiKeys.touch(key.id, now);
  }
  return key;
}

export async function revokeApiKey(
  appId: string,
  keyId: string,
  deps: { storage: Storage; clock: Clock },
): Promise<void> {
  const ok =
    isIdOf('key', keyId) && (await deps.storage.apiKeys.revoke(appId, keyId, deps.clock.now()));
  if (!ok) throw new PasskeydError('api_key_not_found');
}
