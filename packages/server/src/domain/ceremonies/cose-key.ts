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
    jwk = {
      kty: 'RSA',
      n: b64u(coseKey.get(cose.COSEKEYS.n)),
      e: b64u(coseKey.get(cose.COSEKEYS.e)),
    };
  } else {
    throw unsupported(alg);
  }
  try {
    return { key: createPublicKey({ key: jwk, format: 'jwk' }), alg };
  } catch (cause) {
    throw new PasskeydError('malformed_response', 'The public key does not parse.', { cause });
  }
}

function unsupported(alg: unknown): PasskeydError {
  return new PasskeydError(
    'unsupported_algorithm',
    `COSE algorithm ${String(alg)} with this key type is not supported; use ES256 (-7), EdDSA (-8) or RS256 (-257).`,
  );
}
