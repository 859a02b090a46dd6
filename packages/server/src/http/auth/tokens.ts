import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The operators' bearer tokens (admin, metrics): several may be valid at once, so a token can
 * be rotated without downtime (add the new one, move clients over, remove the old one). A
 * match names the token by a fingerprint, never by the token: console sessions store it, so
 * removing a token from the configuration ends the sessions it opened (issue 12, item 1).
 */
export interface TokenSet {
  /** No token configured: the caller answers as "disabled". */
  readonly empty: boolean;
  /** Fingerprints of the configured tokens, in configuration order. */
  readonly ids: readonly string[];
  /** The fingerprint of the configured token equal to `given`, or undefined. */
  match(given: string | undefined): string | undefined;
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * A domain-separated SHA-256, so the stored fingerprint is not the digest the tokens are
 * compared by, nor that of anything else passkeyd hashes. Tokens have at least 32 characters
 * (config.ts), so a fingerprint cannot be reversed by guessing.
 */
export function tokenFingerprint(token: string): string {
  return createHash('sha256')
    .update('passkeyd token fingerprint\0')
    .update(token, 'utf8')
    .digest('base64url');
}

/** The union of the single-token setting and the list setting, without duplicates. */
export function tokenSet(single: string | null, list: readonly string[] = []): TokenSet {
  const tokens = [...new Set([...(single === null ? [] : [single]), ...list])];
  const configured = tokens.map((t) => ({ digest: digest(t), id: tokenFingerprint(t) }));
  return {
    empty: configured.length === 0,
    ids: configured.map((c) => c.id),
    match(given) {
      if (given === undefined) return undefined;
      const d = digest(given);
      // Compare against every token, whatever matched: the time taken says nothing about which
      // token (or how many) a guess came close to. SHA-256 digests are all 32 bytes.
      let found: string | undefined;
      for (const c of configured)
        if (timingSafeEqual(d, c.digest) && found === undefined) found = c.id;
      return found;
    },
  };
}

/** PASSKEYD_ADMIN_TOKEN ∪ PASSKEYD_ADMIN_TOKENS. */
export function adminTokens(config: {
  adminToken: string | null;
  adminTokens: readonly string[];
}): TokenSet {
  return tokenSet(config.adminToken, config.adminTokens);
}

/** PASSKEYD_METRICS_TOKEN ∪ PASSKEYD_METRICS_TOKENS. */
export function metricsTokens(config: {
  metricsToken: string | null;
  metricsTokens: readonly string[];
}): TokenSet {
  return tokenSet(config.metricsToken, config.metricsTokens);
}
