import { isoCBOR } from '@simplewebauthn/server/helpers';
import { flipLastBit } from './bytes.js';
import { signWithKey } from './keys.js';
import type { AttestationCertificate, AttestationFormat, Bytes, CredentialKey } from './types.js';

type CBORValue = Parameters<typeof isoCBOR.encode>[0];

export interface AttestationInput {
  format: AttestationFormat;
  authData: Uint8Array;
  clientDataHash: Uint8Array;
  key: Pick<CredentialKey, 'alg' | 'privateKey'>;
  /** `attStmt.alg` of a packed statement; differs from the key's only when tampering. */
  coseAlg: number;
  corruptSignature?: boolean;
  /** Full packed attestation with this key and chain instead of self attestation. */
  certificate?: AttestationCertificate;
}

/**
 * Encodes the attestation object `{fmt, attStmt, authData}`. `packed` is self attestation (no
 * x5c, the credential key itself signs authData || clientDataHash) unless a certificate is
 * given: then the attestation key signs with ES256 and x5c carries its chain (WebAuthn §8.2).
 */
export function buildAttestationObject(input: AttestationInput): Bytes {
  const attStmt = new Map<string, CBORValue>();
  if (input.format === 'packed') {
    const signed = Buffer.concat([input.authData, input.clientDataHash]);
    const cert = input.certificate;
    const sig = cert
      ? signWithKey({ alg: 'ES256', privateKey: cert.privateKey }, signed)
      : signWithKey(input.key, signed);
    attStmt.set('alg', cert ? -7 : input.coseAlg);
    attStmt.set('sig', input.corruptSignature ? flipLastBit(sig) : sig);
    if (cert)
      attStmt.set(
        'x5c',
        cert.x5c.map((c) => new Uint8Array(c)),
      );
  } else if (input.corruptSignature) {
    throw new TypeError(
      'badAttestationSignature needs attestation "packed"; "none" has no signature',
    );
  }
  const object = new Map<string, CBORValue>([
    ['fmt', input.format],
    ['attStmt', attStmt],
    ['authData', input.authData],
  ]);
  return isoCBOR.encode(object);
}
