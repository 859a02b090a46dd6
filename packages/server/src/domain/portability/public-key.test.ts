import { ECDH, sign, verify } from 'node:crypto';
import { generateCredentialKey, type CredentialKey } from '@passkeyd/test-authenticator';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { beforeAll, describe, expect, it } from 'vitest';
import { importCosePublicKey } from '../ceremonies/cose-key.js';
import { toCosePublicKey } from './public-key.js';

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');
const data = Buffer.from('authenticatorData || clientDataHash');

let keys: Record<'ES256' | 'EdDSA' | 'RS256', CredentialKey>;
beforeAll(() => {
  keys = {
    ES256: generateCredentialKey('ES256'),
    EdDSA: generateCredentialKey('EdDSA'),
    RS256: generateCredentialKey('RS256'),
  };
});

/** The converted key must verify what the private key signs: the property sign-in depends on. */
function verifiesSignatures(publicKey: string, alg: number, key: CredentialKey): boolean {
  const signature = sign(alg === -8 ? null : 'sha256', data, key.privateKey);
  return verify(alg === -8 ? null : 'sha256', data, importCosePublicKey(publicKey).key, signature);
}

/** A public JWK read out of the COSE key (no JWK export: see public-key.ts). */
function jwkOf(key: CredentialKey): Record<string, string> {
  const m = isoCBOR.decodeFirst<Map<number, Uint8Array | number>>(key.publicKeyCose);
  const bytes = (label: number) => b64u(m.get(label) as Uint8Array);
  if (key.alg === 'ES256') return { kty: 'EC', crv: 'P-256', x: bytes(-2), y: bytes(-3) };
  if (key.alg === 'EdDSA') return { kty: 'OKP', crv: 'Ed25519', x: bytes(-2) };
  return { kty: 'RSA', n: bytes(-1), e: bytes(-2) };
}

describe('toCosePublicKey', () => {
  for (const [name, alg] of [
    ['ES256', -7],
    ['EdDSA', -8],
    ['RS256', -257],
  ] as const) {
    it(`turns a ${name} SPKI (DER and PEM) and a JWK into a COSE key that verifies the passkey's signatures`, () => {
      const key = keys[name];
      const der = toCosePublicKey({ spki: b64u(key.publicKeySpki), alg });
      const pem = `-----BEGIN PUBLIC KEY-----\n${Buffer.from(key.publicKeySpki)
        .toString('base64')
        .replace(/(.{64})/g, '$1\n')}\n-----END PUBLIC KEY-----\n`;
      const fromPem = toCosePublicKey({ spki: pem, alg: name });
      const fromJwk = toCosePublicKey({ jwk: jwkOf(key), alg });
      for (const converted of [der, fromPem, fromJwk]) {
        expect(converted.alg).toBe(alg);
        expect(verifiesSignatures(converted.publicKey, alg, key)).toBe(true);
      }
      // Same key, same COSE bytes whatever the input form.
      expect(fromPem.publicKey).toBe(der.publicKey);
      expect(fromJwk.publicKey).toBe(der.publicKey);
    });
  }

  it('reads an EC SPKI with a compressed point', () => {
    const uncompressed = Buffer.from(keys.ES256.publicKeySpki).subarray(-65);
    const compressed = ECDH.convertKey(
      uncompressed,
      'prime256v1',
      undefined,
      undefined,
      'compressed',
    ) as Buffer;
    const spki = Buffer.concat([
      Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex'),
      compressed,
    ]);
    const converted = toCosePublicKey({ spki: b64u(spki), alg: -7 });
    expect(converted.publicKey).toBe(
      toCosePublicKey({ spki: b64u(keys.ES256.publicKeySpki), alg: -7 }).publicKey,
    );
  });

  it('keeps a COSE key as given and takes its algorithm from it', () => {
    const cose = b64u(keys.ES256.publicKeyCose);
    expect(toCosePublicKey({ cose })).toEqual({ publicKey: cose, alg: -7 });
    expect(
      toCosePublicKey({ cose: Buffer.from(keys.ES256.publicKeyCose).toString('base64'), alg: -7 }),
    ).toEqual({ publicKey: cose, alg: -7 });
  });

  it('refuses a key whose algorithm says something else', () => {
    const rsaSpki = b64u(keys.RS256.publicKeySpki);
    expect(() => toCosePublicKey({ spki: rsaSpki, alg: -7 })).toThrow(
      expect.objectContaining({ code: 'invalid_public_key', details: { field: 'alg' } }),
    );
    expect(() => toCosePublicKey({ cose: b64u(keys.EdDSA.publicKeyCose), alg: 'ES256' })).toThrow(
      expect.objectContaining({ code: 'invalid_public_key' }),
    );
    expect(() => toCosePublicKey({ jwk: jwkOf(keys.ES256), alg: -8 })).toThrow(
      expect.objectContaining({ code: 'invalid_public_key' }),
    );
  });

  it('refuses an EC point that is not on P-256, a private JWK, and bytes that are no key', () => {
    const offCurve = { ...jwkOf(keys.ES256), y: b64u(Buffer.alloc(32, 7)) };
    expect(() => toCosePublicKey({ jwk: offCurve, alg: -7 })).toThrow(
      expect.objectContaining({ code: 'invalid_public_key' }),
    );
    expect(() => toCosePublicKey({ jwk: { ...jwkOf(keys.ES256), d: 'AAAA' }, alg: -7 })).toThrow(
      /private key/,
    );
    expect(() => toCosePublicKey({ spki: b64u(Buffer.from('not a key')), alg: -7 })).toThrow(
      expect.objectContaining({ code: 'invalid_public_key' }),
    );
    expect(() => toCosePublicKey({ cose: b64u(Buffer.from([0xa1, 0x01])), alg: -7 })).toThrow(
      expect.objectContaining({ code: 'invalid_public_key' }),
    );
    expect(() => toCosePublicKey({ cose: '!!!' })).toThrow(
      expect.objectContaining({ code: 'invalid_public_key' }),
    );
  });

  it('needs exactly one key form, and an algorithm for SPKI and JWK', () => {
    expect(() => toCosePublicKey({})).toThrow(/exactly one/);
    expect(() =>
      toCosePublicKey({
        cose: b64u(keys.ES256.publicKeyCose),
        spki: b64u(keys.ES256.publicKeySpki),
      }),
    ).toThrow(/exactly one/);
    expect(() => toCosePublicKey({ spki: b64u(keys.ES256.publicKeySpki) })).toThrow(
      expect.objectContaining({ details: { field: 'alg' } }),
    );
  });

  it('refuses algorithms passkeyd cannot verify', () => {
    expect(() => toCosePublicKey({ spki: b64u(keys.ES256.publicKeySpki), alg: -35 })).toThrow(
      expect.objectContaining({ code: 'unsupported_algorithm' }),
    );
    expect(() => toCosePublicKey({ spki: b64u(keys.ES256.publicKeySpki), alg: 'PS256' })).toThrow(
      expect.objectContaining({ code: 'unsupported_algorithm' }),
    );
  });

  it('refuses weak RSA keys in every form with weak_public_key, naming the field', () => {
    const rsa = jwkOf(keys.RS256);
    const short = b64u(Buffer.from(rsa.n!, 'base64url').subarray(0, 128)); // 1024 bits
    const coseWithE1 = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 3],
        [3, -257],
        [-1, new Uint8Array(Buffer.from(rsa.n!, 'base64url'))],
        [-2, new Uint8Array([1])],
      ]),
    );
    for (const [field, input] of [
      ['public_key_cose', { cose: b64u(coseWithE1) }],
      ['public_key_jwk', { jwk: { ...rsa, e: 'AQ' }, alg: -257 }], // e = 1
      ['public_key_jwk', { jwk: { ...rsa, e: 'Aw' }, alg: -257 }], // e = 3
      ['public_key_jwk', { jwk: { ...rsa, n: short }, alg: -257 }],
    ] as const) {
      expect(() => toCosePublicKey(input)).toThrow(
        expect.objectContaining({ code: 'weak_public_key', details: { field } }),
      );
    }
  });
});
