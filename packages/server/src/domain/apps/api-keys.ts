import { PasskeydError } from '../errors.js';
import type { Clock, PresentedApiKey, Storage } from '../ports.js';
import { isIdOf, newId, randomToken, sha256 } from '../secrets.js';
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

/**
 * A bearer token in the key format, as the storage checks it (prefix and SHA-256 of the whole
 * key); undefined for anything else, which no stored key can match.
 */
export function presentedApiKey(presented: string | undefined): PresentedApiKey | undefined {
  const m = presented ? KEY_FORMAT.exec(presented) : null;
  return m ? { prefix: `pkd_${m[1]}`, secretHash: sha256(presented!) } : undefined;
}

/**
 * Authenticates a management API call in one statement (storage apiKeys.authenticate: prefix,
 * hash, app and not revoked in one WHERE; last-used written at most once a minute). Any failure,
 * including a valid key of another app, is the same 401 `invalid_access_token` (passage-wire.md
 * §6.11) so callers cannot probe which keys exist. The ceremony calls B1/B2/B3 fold this check
 * into their own statement instead (storage.ceremonies).
 */
export async function authenticateApiKey(
  appId: string,
  presented: string | undefined,
  deps: { storage: Storage; clock: Clock },
): Promise<ApiKey> {
  const proof = presentedApiKey(presented);
  const key = proof && (await deps.storage.apiKeys.authenticate(appId, proof, deps.clock.now()));
  if (!key) throw new PasskeydError('invalid_access_token');
  return key;
}

/**
 * For the calls whose statement checks the key: input refused before any statement runs is
 * still answered 401 first when the key is bad, as when the key was checked before the body.
 */
export async function keyFirst<T>(
  appId: string,
  key: PresentedApiKey | undefined,
  deps: { storage: Storage; clock: Clock },
  validate: () => T,
): Promise<{ key: PresentedApiKey; input: T }> {
  if (!key) throw new PasskeydError('invalid_access_token');
  try {
    return { key, input: validate() };
  } catch (err) {
    if (!(await deps.storage.apiKeys.authenticate(appId, key, deps.clock.now())))
      throw new PasskeydError('invalid_access_token');
    throw err;
  }
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
