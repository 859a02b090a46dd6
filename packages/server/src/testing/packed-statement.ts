// Test-only: a full (basic) `packed` attestation statement (WebAuthn §8.2) with an x5c path
// through an intermediate, for the same end-to-end cases as the other formats. (The test
// authenticator's `attestationCertificate` option makes one too, but signs it itself, so a test
// cannot bind it to the wrong data.)
import { sign } from 'node:crypto';
import {
  aaguidExtension,
  createSigner,
  type TestCa,
  type TestSigner,
} from './attestation-fixtures.js';
import type { CBORValue, StatementBuilder } from './attestation-statements.js';

/**
 * A packed attestation certificate with what §8.2.1 requires (subject C, O, OU "Authenticator
 * Attestation", CN; not a CA; the AAGUID extension), issued by `issuer`, `chain` after it.
 */
export function createPackedAttestationKey(
  issuer: TestCa,
  aaguid: string,
  chain: TestCa[],
): Promise<TestSigner> {
  return createSigner(issuer, {
    subject: 'C=US, O=passkeyd tests, OU=Authenticator Attestation, CN=Test Packed Attestation',
    extensions: [aaguidExtension(aaguid)],
    chain,
  });
}

/** `wrongSignedData` signs authData alone instead of authData || clientDataHash. */
export function packedStatement(
  attestation: TestSigner,
  opts: { wrongSignedData?: boolean } = {},
): StatementBuilder {
  return async ({ authData, clientDataHash }) => {
    const signed = Buffer.concat(opts.wrongSignedData ? [authData] : [authData, clientDataHash]);
    const attStmt = new Map<string, CBORValue>([
      ['alg', -7],
      ['sig', new Uint8Array(sign('sha256', signed, attestation.privateKey))],
      ['x5c', attestation.x5c],
    ]);
    return { fmt: 'packed', attStmt };
  };
}
