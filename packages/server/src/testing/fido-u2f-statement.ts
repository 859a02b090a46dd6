// Test-only: a `fido-u2f` attestation statement (WebAuthn §8.6), as a U2F security key behind a
// CTAP2 client makes it: the key's batch attestation certificate signs
// 0x00 || rpIdHash || clientDataHash || credentialId || publicKey (the uncompressed P-256 point).
import { cose, decodeCredentialPublicKey } from '@simplewebauthn/server/helpers';
import { sign } from 'node:crypto';
import type { TestSigner } from './attestation-fixtures.js';
import type { CBORValue, StatementBuilder } from './attestation-statements.js';

/** `wrongSignatureBase` leaves out the reserved 0x00 byte, signing otherwise correct data. */
export function fidoU2fStatement(
  attestation: TestSigner,
  opts: { wrongSignatureBase?: boolean } = {},
): StatementBuilder {
  return async ({ rpIdHash, clientDataHash, credentialId, credentialPublicKey }) => {
    const key = decodeCredentialPublicKey(credentialPublicKey);
    if (!cose.isCOSEPublicKeyEC2(key)) throw new TypeError('fido-u2f keys are P-256');
    const point = Buffer.concat([
      Buffer.from([0x04]),
      key.get(cose.COSEKEYS.x)!,
      key.get(cose.COSEKEYS.y)!,
    ]);
    const signed = Buffer.concat([
      Buffer.from(opts.wrongSignatureBase ? [] : [0x00]),
      rpIdHash,
      clientDataHash,
      credentialId,
      point,
    ]);
    const attStmt = new Map<string, CBORValue>([
      ['sig', new Uint8Array(sign('sha256', signed, attestation.privateKey))],
      ['x5c', attestation.x5c],
    ]);
    return { fmt: 'fido-u2f', attStmt };
  };
}
