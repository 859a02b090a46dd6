import { randomBytes } from 'node:crypto';
import { generateCredentialKey } from '@passkeyd/test-authenticator';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { describe, expect, it } from 'vitest';
import { importCosePublicKey } from './cose-key.js';

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');

/** An RS256 COSE_Key with a random odd modulus of exactly `bits` bits and exponent `e`. */
function rsaCose(bits: number, e: Uint8Array): string {
  const n = randomBytes(Math.ceil(bits / 8));
  const top = bits % 8 || 8;
  n[0] = (n[0]! & ((1 << top) - 1)) | (1 << (top - 1));
  n[n.length - 1]! |= 1;
  return b64u(
    isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 3],
        [3, -257],
        [-1, new Uint8Array(n)],
        [-2, e],
      ]),
    ),
  );
}
const F4 = new Uint8Array([1, 0, 1]);

describe('importCosePublicKey and RSA key strength', () => {
  it('accepts 2048- to 16384-bit moduli with exponent 65537, as authenticators make them', () => {
    expect(importCosePublicKey(b64u(generateCredentialKey('RS256').publicKeyCose)).alg).toBe(-257);
    for (const bits of [2048, 3072, 4096, 16384]) {
      expect(importCosePublicKey(rsaCose(bits, F4)).key.asymmetricKeyDetails).toMatchObject({
        modulusLength: bits,
      });
    }
    // A leading zero byte does not make a modulus longer.
    const padded = isoCBOR.decodeFirst<Map<number, Uint8Array>>(
      Buffer.from(rsaCose(2048, F4), 'base64url'),
    );
    padded.set(-1, new Uint8Array([0, ...padded.get(-1)!]));
    expect(importCosePublicKey(b64u(isoCBOR.encode(padded))).alg).toBe(-257);
  });

  it.each([
    ['a 512-bit modulus', 512, F4],
    ['a 1024-bit modulus', 1024, F4],
    ['a 2047-bit modulus', 2047, F4],
    ['a 16385-bit modulus', 16385, F4],
    ['exponent 3', 2048, new Uint8Array([3])],
    ['exponent 1', 2048, new Uint8Array([1])],
    ['an empty exponent', 2048, new Uint8Array([])],
    ['exponent 2^32+1', 2048, new Uint8Array([1, 0, 0, 0, 1])],
  ])('refuses a key with %s: weak_public_key', (_what, bits, e) => {
    expect(() => importCosePublicKey(rsaCose(bits, e))).toThrow(
      expect.objectContaining({ code: 'weak_public_key' }),
    );
  });
});
