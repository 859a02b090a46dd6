// Test-only: an `apple` anonymous attestation statement (WebAuthn §8.8): a certificate for the
// credential key itself whose extension 1.2.840.113635.100.8.2 holds
// nonce = SHA-256(authData || clientDataHash). There is no signature: the certificate is it.
import * as x509 from '@peculiar/x509';
import { createCertificateFor, type TestCa } from './attestation-fixtures.js';
import { sha256, type CBORValue, type StatementBuilder } from './attestation-statements.js';

const APPLE_NONCE_EXTENSION = '1.2.840.113635.100.8.2';

export interface AppleOptions {
  /** The CA that issues credential certificates (Apple WebAuthn CA 1 in production). */
  issuer: TestCa;
  /** Certificates after the leaf; Apple sends its intermediate and not the root. */
  chain: TestCa[];
  /** nonce = SHA-256(authData) alone: a certificate from another ceremony. */
  wrongNonce?: boolean;
}

/** An `apple` statement for an ES256 credential key. */
export function appleStatement(opts: AppleOptions): StatementBuilder {
  return async ({ authData, clientDataHash, key }) => {
    const nonce = opts.wrongNonce ? sha256(authData) : sha256(authData, clientDataHash);
    // SEQUENCE { [1] EXPLICIT OCTET STRING nonce }, the shape Apple's certificates carry.
    const value = Buffer.concat([Buffer.from('3024a1220420', 'hex'), nonce]);
    const leaf = await createCertificateFor(opts.issuer, key.publicKeySpki, {
      subject: 'CN=Test Apple credential, OU=AAA Certification, O=passkeyd tests, ST=California',
      extensions: [new x509.Extension(APPLE_NONCE_EXTENSION, false, value)],
    });
    const attStmt = new Map<string, CBORValue>([
      ['x5c', [leaf, ...opts.chain.map((c) => new Uint8Array(c.cert.rawData))]],
    ]);
    return { fmt: 'apple', attStmt };
  };
}
