import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { cose, decodeCredentialPublicKey } from '@simplewebauthn/server/helpers';
import { PasskeydError } from '../errors.js';
import { decodeBase64Any } from '../encoding.js';

/** The algorithms we offer in pubKeyCredParams and accept at registration. */
export const SUPPORTED_ALGORITHMS = [-7, -8, -257] as const;

export interface ImportedKey {
  key: KeyObject;
  alg: number;
}

const b64u = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('base64url') : undefined);

/**
 * Turns a COSE_Key (decoded with SimpleWebAuthn's CBOR helper) into a node:crypto KeyObject.
 * Done once per credential: at registration, so a malformed key fails there and not at the
 * first sign-in, and on a key-cache miss.
 */
export function importCosePublicKey(publicKeyB64u: string): ImportedKey {
  const bytes = decodeBase64Any(publicKeyB64u);
  if (!bytes) throw new PasskeydError('malformed_response', 'The public key is not base64.');
  let coseKey: ReturnType<typeof decodeCredentialPublicKey>;
  try {
    coseKey = decodeCredentialPublicKey(bytes);
  } catch (cause) {
    throw new PasskeydError('malformed_response', 'The public key is not valid CBOR.', { cause });
  }
  const alg = coseKey.get(cose.COSEKEYS.alg);
  const kty = coseKey.get(cose.COSEKEYS.kty);
  let jwk: JsonWebKey;
  if (alg === -7 && kty === cose.COSEKTY.EC2 && cose.isCOSEPublicKeyEC2(coseKey)) {
    if (coseKey.get(cose.COSEKEYS.crv) !== cose.COSECRV.P256) throw unsupported(alg);
    jwk = {
      kty: 'EC',
      crv: 'P-256',
      x: b64u(coseKey.get(cose.COSEKEYS.x)),
      y: b64u(coseKey.get(cose.COSEKEYS.y)),
    };
  } else if (alg === -8 && kty === cose.COSEKTY.OKP && cose.isCOSEPublicKeyOKP(coseKey)) {
    if (coseKey.get(cose.COSEKEYS.crv) !== cose.COSECRV.ED25519) throw unsupported(alg);
    jwk = { kty: 'OKP', crv: 'Ed25519', x: b64u(coseKey.get(cose.COSEKEYS.x)) };
  } else if (alg === -257 && kty === cose.COSEKTY.RSA && cose.isCOSEPublicKeyRSA(coseKey)) {
    const n = coseKey.get(cose.COSEKEYS.n);
    const e = coseKey.get(cose.COSEKEYS.e);
    checkRsaStrength(n, e);
    jwk = { kty: 'RSA', n: b64u(n), e: b64u(e) };
  } else {
    throw unsupported(alg);
  }
  try {
    return { key: createPublicKey({ key: jwk, format: 'jwk' }), alg };
  } catch (cause) {
    throw new PasskeydError('malformed_response', 'The public key does not parse.', { cause });
  }
}

/** Bit length of a big-endian unsigned integer, leading zero bytes ignored. */
function bitLength(b: Uint8Array): number {
  let i = 0;
  while (i < b.length && b[i] === 0) i++;
  if (i === b.length) return 0;
  return (b.length - i - 1) * 8 + (32 - Math.clz32(b[i]!));
}

export const RSA_MIN_MODULUS_BITS = 2048;
/** OpenSSL refuses public operations above this (OPENSSL_RSA_MAX_MODULUS_BITS). */
export const RSA_MAX_MODULUS_BITS = 16_384;

/**
 * RS256 keys must have a 2048-16384 bit modulus and the public exponent 65537. 512- and 1024-bit
 * moduli are factorable or close to it (NIST SP 800-131A disallows RSA below 2048 bits for
 * signatures), and small exponents (3, or 1, which makes "signing" the identity) are the classic
 * way to make PKCS#1 v1.5 signatures forgeable with a lax verifier. Every authenticator we know
 * of (Windows Hello, TPMs) makes 2048-bit keys with exponent 65537, so nothing real is refused.
 * Checked wherever a key is imported: registration, passkey import, and sign-in (a key stored
 * before this check existed is refused rather than trusted).
 */
function checkRsaStrength(n: Uint8Array | undefined, e: Uint8Array | undefined): void {
  const bits = n ? bitLength(n) : 0;
  if (bits < RSA_MIN_MODULUS_BITS || bits > RSA_MAX_MODULUS_BITS) {
    throw new PasskeydError(
      'weak_public_key',
      `The RSA modulus has ${bits} bits; passkeyd accepts ${RSA_MIN_MODULUS_BITS}-${RSA_MAX_MODULUS_BITS}.`,
    );
  }
  const exponent = e && bitLength(e) <= 32 ? e.reduce((v, byte) => v * 256 + byte, 0) : undefined;
  if (exponent !== 65537) {
    throw new PasskeydError(
      'weak_public_key',
      `The RSA public exponent is ${exponent ?? 'too large'}; passkeyd accepts only 65537.`,
    );
  }
}

function unsupported(alg: unknown): PasskeydError {
  return new PasskeydError(
    'unsupported_algorithm',
    `COSE algorithm ${String(alg)} with this key type is not supported; use ES256 (-7), EdDSA (-8) or RS256 (-257).`,
  );
}
