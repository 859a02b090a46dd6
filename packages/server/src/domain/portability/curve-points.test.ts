import { ECDH, createECDH, createPublicKey, randomBytes } from 'node:crypto';
import { generateCredentialKey } from '@passkeyd/test-authenticator';
import { describe, expect, it } from 'vitest';
import { isEd25519Point, isP256Point } from './curve-points.js';

const P256_P = Buffer.from(
  'ffffffff00000001000000000000000000000000ffffffffffffffffffffffff',
  'hex',
);

describe('isP256Point', () => {
  it('accepts real P-256 public keys and agrees with OpenSSL on points moved off the curve', () => {
    for (let i = 0; i < 50; i++) {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      const point = ecdh.getPublicKey();
      const [x, y] = [point.subarray(1, 33), point.subarray(33)];
      expect(isP256Point(x, y)).toBe(true);
      const moved = Buffer.from(y);
      moved[31]! ^= 1;
      const openssl = (() => {
        try {
          createPublicKey({
            key: {
              kty: 'EC',
              crv: 'P-256',
              x: x.toString('base64url'),
              y: moved.toString('base64url'),
            },
            format: 'jwk',
          });
          return true;
        } catch {
          return false;
        }
      })();
      expect(isP256Point(x, moved)).toBe(openssl);
      expect(openssl).toBe(false);
    }
  });

  it('refuses coordinates of the wrong length or not below the field prime', () => {
    const point = createECDH('prime256v1');
    point.generateKeys();
    const p = point.getPublicKey();
    expect(isP256Point(p.subarray(1, 32), p.subarray(33))).toBe(false);
    expect(isP256Point(P256_P, p.subarray(33))).toBe(false);
    // The compressed form decompresses to the same accepted point.
    const back = ECDH.convertKey(
      ECDH.convertKey(p, 'prime256v1', undefined, undefined, 'compressed'),
      'prime256v1',
      undefined,
      undefined,
      'uncompressed',
    ) as Buffer;
    expect(isP256Point(back.subarray(1, 33), back.subarray(33))).toBe(true);
  });
});

describe('isEd25519Point', () => {
  const P = 2n ** 255n - 19n;
  const D = (((-121665n * modPow(121666n, P - 2n)) % P) + P) % P;
  function modPow(b: bigint, e: bigint): bigint {
    let r = 1n;
    for (b %= P; e > 0n; e >>= 1n, b = (b * b) % P) if (e & 1n) r = (r * b) % P;
    return r;
  }
  /** Independent criterion: y < p and (y²−1)/(dy²+1) is a square (Euler), sign bit aside. */
  function eulerSays(bytes: Buffer): boolean {
    const le = Buffer.from(bytes);
    const sign = le[31]! >> 7;
    le[31]! &= 0x7f;
    const y = BigInt(`0x${Buffer.from(le).reverse().toString('hex')}`);
    if (y >= P) return false;
    const u = (((y * y - 1n) % P) + P) % P;
    const v = (D * y * y + 1n) % P;
    const x2 = (u * modPow(v, P - 2n)) % P;
    if (x2 === 0n) return sign === 0;
    return modPow(x2, (P - 1n) / 2n) === 1n;
  }

  it('accepts real Ed25519 public keys', () => {
    for (let i = 0; i < 20; i++) {
      const key = generateCredentialKey('EdDSA');
      expect(isEd25519Point(Buffer.from(key.publicKeySpki).subarray(-32))).toBe(true);
    }
  });

  it('agrees with Euler’s criterion on random encodings, about half of which are no point', () => {
    let valid = 0;
    for (let i = 0; i < 300; i++) {
      const bytes = randomBytes(32);
      const got = isEd25519Point(bytes);
      expect(got).toBe(eulerSays(bytes));
      if (got) valid++;
    }
    expect(valid).toBeGreaterThan(90);
    expect(valid).toBeLessThan(210);
  });
});
