import { createHash, randomFillSync, timingSafeEqual } from 'node:crypto';

/**
 * Random bytes are drawn from the CSPRNG 4 KiB at a time and handed out once each, front to
 * back: a sign-in asks for six small tokens, and one call per token cost more than the bytes
 * (Node's own randomUUID keeps a cache the same way). Every byte is used for one token only.
 */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

/** Unpadded base64url of `n` random bytes from the OS CSPRNG. */
export function randomToken(bytes: number): string {
  if (bytes > POOL_BYTES) return randomFillSync(Buffer.alloc(bytes)).toString('base64url');
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const token = pool.toString('base64url', offset, offset + bytes);
  // Zeroed once handed out, so a later read of the pool cannot recover an issued token.
  pool.fill(0, offset, offset + bytes);
  offset += bytes;
  return token;
}

/** Ids are prefixed so a pasted value says what it is; 16 random bytes make them unguessable. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomToken(16)}`;
}

export type IdPrefix = 'app' | 'usr' | 'dev' | 'txn' | 'hs' | 'key' | 'whe';
const ID_BODY = /^[A-Za-z0-9_-]{22}$/;

/**
 * Whether `value` has the shape newId gives ids of this kind (the prefix, then 22 base64url
 * characters). A value that fails cannot name a stored row, so callers answer "not found"
 * without a query: junk never reaches the database, and the answer is the same on every engine.
 */
export function isIdOf(prefix: IdPrefix, value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.startsWith(`${prefix}_`) &&
    ID_BODY.test(value.slice(prefix.length + 1))
  );
}

export function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url');
}

/** Constant-time string comparison; lengths are not secret (they are fixed by the formats). */
export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ab.length !== bb.length) {
    // Still spend a comparison so the early return does not stand out.
    timingSafeEqual(ab, ab);
    return false;
  }
  return timingSafeEqual(ab, bb);
}
