import {
  KeyObject,
  createECDH,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign,
} from 'node:crypto';
import { toBytes } from './bytes.js';
import { P256_SPKI_PREFIX, cosePublicKeyFromSpki } from './cose.js';
import type { Alg, Bytes, CredentialKey } from './types.js';

// PKCS#8 for P-256 is fixed-size: header | d (32) | middle | uncompressed point (65). Building it
// from ECDH output avoids generateKeyPairSync('ec') + JWK export, which can hang Node 20.
const P256_PKCS8_HEAD = Buffer.from(
  '308187020100301306072a8648ce3d020106082a8648ce3d030107046d306b0201010420',
  'hex',
);
const P256_PKCS8_MIDDLE = Buffer.from('a144034200', 'hex');
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function leftPad(bytes: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  out.set(bytes, length - bytes.length);
  return out;
}

function derPrivateKey(pkcs8: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.from(pkcs8), format: 'der', type: 'pkcs8' });
}

function spkiOf(privateKey: KeyObject): Bytes {
  return toBytes(createPublicKey(privateKey).export({ type: 'spki', format: 'der' }));
}

function assemble(alg: Alg, pkcs8: Uint8Array, spki?: Bytes): CredentialKey {
  const privateKey = derPrivateKey(pkcs8);
  const publicKeySpki = spki ?? spkiOf(privateKey);
  return {
    alg,
    privateKey,
    privateKeyPkcs8: toBytes(pkcs8),
    publicKeySpki,
    publicKeyCose: cosePublicKeyFromSpki(alg, publicKeySpki),
  };
}

/** Generates a fresh credential key pair. RS256 takes ~50–200 ms; reuse keys where that matters. */
export function generateCredentialKey(alg: Alg): CredentialKey {
  switch (alg) {
    case 'ES256': {
      const ecdh = createECDH('prime256v1');
      const point = ecdh.generateKeys();
      const d = leftPad(ecdh.getPrivateKey(), 32);
      const pkcs8 = Buffer.concat([P256_PKCS8_HEAD, d, P256_PKCS8_MIDDLE, point]);
      return assemble(alg, pkcs8, toBytes(Buffer.concat([P256_SPKI_PREFIX, point])));
    }
    case 'EdDSA':
      return assemble(alg, Buffer.concat([ED25519_PKCS8_PREFIX, randomBytes(32)]));
    case 'RS256': {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'der' },
        privateKeyEncoding: { type: 'pkcs8', format: 'der' },
      });
      return assemble(alg, privateKey, toBytes(publicKey));
    }
    default:
      throw new TypeError(`unsupported algorithm ${String(alg)}`);
  }
}

/** The algorithm a private key can serve, from its type. */
export function algOfKey(privateKey: KeyObject): Alg {
  const type = privateKey.asymmetricKeyType;
  if (type === 'ed25519') return 'EdDSA';
  if (type === 'rsa') return 'RS256';
  if (type === 'ec' && privateKey.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  const curve = privateKey.asymmetricKeyDetails?.namedCurve;
  throw new TypeError(
    `unsupported credential key type ${type ?? '?'}${curve ? ` (${curve})` : ''}`,
  );
}

/**
 * Wraps an existing private key (PKCS#8 DER or KeyObject) as a credential key. `alg` defaults to
 * the one the key type implies and must agree with it.
 */
export function importCredentialKey(key: Uint8Array | KeyObject, alg?: Alg): CredentialKey {
  const privateKey = key instanceof KeyObject ? key : derPrivateKey(key);
  if (privateKey.type !== 'private') throw new TypeError('credential key must be a private key');
  const keyAlg = algOfKey(privateKey);
  if (alg && alg !== keyAlg) throw new TypeError(`key is a ${keyAlg} key, not ${alg}`);
  const pkcs8 =
    key instanceof KeyObject ? privateKey.export({ type: 'pkcs8', format: 'der' }) : key;
  return assemble(keyAlg, pkcs8);
}

/**
 * Signs as WebAuthn expects: ES256 as a DER ECDSA signature (Node's default encoding), EdDSA
 * over the raw message, RS256 as PKCS#1 v1.5 (Node's default RSA padding).
 */
export function signWithKey(
  key: Pick<CredentialKey, 'alg' | 'privateKey'>,
  data: Uint8Array,
): Bytes {
  return toBytes(sign(key.alg === 'EdDSA' ? null : 'sha256', data, key.privateKey));
}
