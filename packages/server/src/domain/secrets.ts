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
/** 22 characters of newId; 30 of newTimeOrderedId (8 of time, then the same 22 random ones). */
const ID_BODY = /^[A-Za-z0-9_-]{22}$/;
const TIME_ORDERED_ID_BODY = /^[A-Za-z0-9_-]{30}$/;

/** The 64 base64url characters in ASCII order, so text order is numeric order. */
const SORTABLE = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';
let cachedMs = -1;
let cachedTime = '';

/**
 * Epoch milliseconds as 8 characters (48 bits, 6 per character) whose byte order (how SQLite
 * compares text) is the order of the times. Under a PostgreSQL locale collation the order differs
 * in places, but ids of the same moment still share their first characters, so they still sit
 * together in the index, which is what matters here.
 */
export function sortableTime(now: number): string {
  const ms = Math.min(Math.max(0, Math.floor(now)), 2 ** 48 - 1);
  if (ms !== cachedMs) {
    let s = '';
    for (let i = 7, v = ms; i >= 0; i--, v = Math.floor(v / 64)) s = SORTABLE[v % 64] + s;
    cachedMs = ms;
    cachedTime = s;
  }
  return cachedTime;
}

/**
 * newId with the creation time in front of the same 16 random bytes, for rows written on every
 * ceremony and looked up by id (transactions, handshakes). A random key lands each insert on a
 * random leaf of the primary-key B-tree, so a commit of 8 sign-ins wrote 8 leaf pages per such
 * table to the WAL; keys that grow with time share the rightmost leaf. Measured on SQLite: a row
 * inserted and later consumed, 50,000 stored, 67–70 µs of CPU with random keys and 45 µs with
 * these; the storage work of a whole sign-in (with the nonce's key, nonces.ts), 419–458 µs and
 * 355–397 µs (docs/benchmarks.md). The 128 random bits are what makes an id unguessable;
 * the time in front is not secret (the API returns it as created_at).
 */
export function newTimeOrderedId(prefix: 'txn' | 'hs', now: number): string {
  return `${prefix}_${sortableTime(now)}${randomToken(16)}`;
}

/**
 * Whether `value` has the shape newId gives ids of this kind (the prefix, then 22 base64url
 * characters), or, for transactions and handshakes, newTimeOrderedId's (30). A value that fails cannot name a stored row, so callers answer "not found"
 * without a query: junk never reaches the database, and the answer is the same on every engine.
 */
export function isIdOf(prefix: IdPrefix, value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.startsWith(`${prefix}_`) &&
    (ID_BODY.test(value.slice(prefix.length + 1)) ||
      ((prefix === 'txn' || prefix === 'hs') &&
        TIME_ORDERED_ID_BODY.test(value.slice(prefix.length + 1))))
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
