import { createPublicKey } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { bytesEqual, toBytes } from './bytes.js';
import type { Alg, Bytes } from './types.js';

/** COSE algorithm numbers (IANA "COSE Algorithms" registry). */
export const COSE_ALG: Readonly<Record<Alg, number>> = { ES256: -7, EdDSA: -8, RS256: -257 };

const KTY = { OKP: 1, EC2: 2, RSA: 3 } as const;
const CRV = { P256: 1, Ed25519: 6 } as const;

// Fixed DER headers: a P-256 or Ed25519 SubjectPublicKeyInfo is this prefix plus the raw key.
export const P256_SPKI_PREFIX = Buffer.from(
  '3059301306072a8648ce3d020106082a8648ce3d030107034200',
  'hex',
);
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The supported `Alg` for a COSE algorithm number, if any. */
export function algFromCose(coseAlg: number): Alg | undefined {
  return (Object.keys(COSE_ALG) as Alg[]).find((alg) => COSE_ALG[alg] === coseAlg);
}

function rawKeyAfter(prefix: Uint8Array, spki: Uint8Array, length: number, what: string): Bytes {
  if (
    spki.length !== prefix.length + length ||
    !bytesEqual(spki.subarray(0, prefix.length), prefix)
  ) {
    throw new TypeError(`not a ${what} SubjectPublicKeyInfo`);
  }
  return toBytes(spki.subarray(prefix.length));
}

/** Builds the CBOR COSE_Key for a public key given as SubjectPublicKeyInfo DER. */
export function cosePublicKeyFromSpki(alg: Alg, spki: Uint8Array): Bytes {
  // Integer keys in insertion order give the canonical CTAP2 ordering (1, 3, -1, -2, -3).
  const key = new Map<number, number | Uint8Array>();
  switch (alg) {
    case 'ES256': {
      const point = rawKeyAfter(P256_SPKI_PREFIX, spki, 65, 'P-256');
      key.set(1, KTY.EC2).set(3, COSE_ALG.ES256).set(-1, CRV.P256);
      key.set(-2, point.slice(1, 33)).set(-3, point.slice(33, 65));
      break;
    }
    case 'EdDSA': {
      const x = rawKeyAfter(ED25519_SPKI_PREFIX, spki, 32, 'Ed25519');
      key.set(1, KTY.OKP).set(3, COSE_ALG.EdDSA).set(-1, CRV.Ed25519).set(-2, x);
      break;
    }
    case 'RS256': {
      // RSA SPKI has no fixed layout; a JWK export of an imported DER key is safe on Node 20.
      const jwk = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' }).export({
        format: 'jwk',
      });
      if (jwk.kty !== 'RSA' || !jwk.n || !jwk.e) {
        throw new TypeError('not an RSA SubjectPublicKeyInfo');
      }
      key.set(1, KTY.RSA).set(3, COSE_ALG.RS256);
      key.set(-1, toBytes(Buffer.from(jwk.n, 'base64url')));
      key.set(-2, toBytes(Buffer.from(jwk.e, 'base64url')));
      break;
    }
  }
  return isoCBOR.encode(key);
}

/** Re-encodes a COSE_Key with a different `alg` (label 3), keeping every other entry. */
export function withCoseAlg(publicKeyCose: Uint8Array, coseAlg: number): Bytes {
  const key = isoCBOR.decodeFirst<Map<number, number | Uint8Array>>(toBytes(publicKeyCose));
  key.set(3, coseAlg);
  return isoCBOR.encode(key);
}
