import { describe, expect, it } from 'vitest';
import { sha256 } from '../../domain/secrets.js';
import { tokenFingerprint, tokenSet } from './tokens.js';

const A = 'a-token-0123456789abcdef0123456789abcdef';
const B = 'b-token-0123456789abcdef0123456789abcdef';

describe('tokenSet', () => {
  it('matches each configured token and names it by a fingerprint, never the token', () => {
    const set = tokenSet(A, [B]);
    expect(set.empty).toBe(false);
    expect(set.match(A)).toBe(tokenFingerprint(A));
    expect(set.match(B)).toBe(tokenFingerprint(B));
    expect(set.ids).toEqual([tokenFingerprint(A), tokenFingerprint(B)]);
    for (const id of set.ids) {
      expect(id).not.toContain(A.slice(0, 8));
      // Not the plain digest either: a stored id is of no use as a comparison digest.
      expect([sha256(A), sha256(B)]).not.toContain(id);
    }
  });

  it('refuses anything else: other strings, prefixes, the list as written, nothing', () => {
    const set = tokenSet(A, [B]);
    for (const given of [undefined, '', A.slice(0, -1), `${A} `, `${A},${B}`, tokenFingerprint(A)])
      expect(set.match(given)).toBeUndefined();
  });

  it('is empty, and matches nothing, when no token is configured; duplicates count once', () => {
    const none = tokenSet(null, []);
    expect(none.empty).toBe(true);
    expect(none.match(A)).toBeUndefined();
    expect(tokenSet(A, [A]).ids).toHaveLength(1);
  });
});
