import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateCredentialKey, importCredentialKey, signWithKey } from './keys.js';
import type { Alg } from './types.js';

const keys = {
  ES256: generateCredentialKey('ES256'),
  EdDSA: generateCredentialKey('EdDSA'),
  RS256: generateCredentialKey('RS256'),
};

describe('credential keys', () => {
  it.each(['ES256', 'EdDSA', 'RS256'] as const)(
    '%s: PKCS#8, SPKI and private key agree',
    (alg: Alg) => {
      const key = keys[alg];
      const derivedSpki = createPublicKey(key.privateKey).export({ type: 'spki', format: 'der' });
      expect(Buffer.from(key.publicKeySpki)).toEqual(derivedSpki);

      const reimported = importCredentialKey(key.privateKeyPkcs8);
      expect(reimported.alg).toBe(alg);
      expect(Buffer.from(reimported.publicKeyCose)).toEqual(Buffer.from(key.publicKeyCose));

      const data = Buffer.from('authData || clientDataHash');
      const signature = signWithKey(key, data);
      const publicKey = createPublicKey({
        key: Buffer.from(key.publicKeySpki),
        format: 'der',
        type: 'spki',
      });
      expect(verify(alg === 'EdDSA' ? null : 'sha256', data, publicKey, signature)).toBe(true);
    },
  );

  it('ES256 signatures are DER sequences, as WebAuthn requires', () => {
    const signature = signWithKey(keys.ES256, Buffer.from('x'));
    expect(signature[0]).toBe(0x30);
    expect(signature[1]).toBe(signature.length - 2);
  });

  it('new P-256 keys are independent', () => {
    const a = generateCredentialKey('ES256');
    const b = generateCredentialKey('ES256');
    expect(Buffer.from(a.publicKeySpki)).not.toEqual(Buffer.from(b.publicKeySpki));
  });

  it('rejects keys of other types', () => {
    const { privateKey } = generateKeyPairSync('x25519', {
      publicKeyEncoding: { type: 'spki', format: 'der' },
      privateKeyEncoding: { type: 'pkcs8', format: 'der' },
    });
    expect(() => importCredentialKey(privateKey)).toThrow(/unsupported credential key type x25519/);
    expect(() => importCredentialKey(keys.ES256.privateKeyPkcs8, 'RS256')).toThrow(/ES256 key/);
  });
});
