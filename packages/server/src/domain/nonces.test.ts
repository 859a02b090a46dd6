import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newNonce, storedKeyOf } from './nonces.js';
import { sortableTime } from './secrets.js';

// Node's hash directly, not secrets.ts sha256: the test checks the stored key against an
// oracle of its own.
const sha256 = (v: string) => createHash('sha256').update(v).digest('base64url');

describe('nonces', () => {
  it('start with their creation time and are stored as that time and the hash of the whole nonce', () => {
    const now = 1_750_000_000_000;
    const n = newNonce(now, 60);
    expect(n.value).toMatch(/^nce_[A-Za-z0-9_-]{51}$/);
    expect(n.value.slice(4, 12)).toBe(sortableTime(now));
    // 32 random bytes after the time: the part that cannot be guessed.
    expect(Buffer.from(n.value.slice(12), 'base64url')).toHaveLength(32);
    expect(n.stored).toEqual({
      hash: sortableTime(now) + sha256(n.value),
      expiresAt: now + 60_000,
    });
    // Nothing of the secret is stored but its hash.
    expect(n.stored.hash).not.toContain(n.value.slice(12));
    expect(storedKeyOf(n.value)).toBe(n.stored.hash);
  });

  it('give later nonces stored keys that sort after earlier ones', () => {
    const keys = [0, 1, 2, 500, 60_000].map((t) => newNonce(1_750_000_000_000 + t, 60).stored.hash);
    expect([...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(keys);
  });

  it('still find a nonce issued before the time prefix, and no key for any other shape', () => {
    const old = `nce_${'A'.repeat(43)}`;
    expect(storedKeyOf(old)).toBe(sha256(old));
    for (const bad of [
      '',
      'nce_',
      `nce_${'A'.repeat(44)}`,
      `nce_${'A'.repeat(50)}`,
      `nce_${'A'.repeat(52)}`,
      `xyz_${'A'.repeat(51)}`,
      `nce_${'A'.repeat(50)}!`,
    ])
      expect(storedKeyOf(bad)).toBeNull();
  });
});
