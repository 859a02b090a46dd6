// Test-only: a private PKI standing in for the FIDO Alliance's. A root that signs the metadata
// BLOB (as GlobalSign Root CA - R3 does for MDS3), a vendor root that issues attestation
// certificates (as a security-key maker's does), and BLOBs as JWTs. Not exported from
// @passkeyd/server/testing: @peculiar/x509 is a dev dependency.
import '@simplewebauthn/server/helpers';
import * as x509 from '@peculiar/x509';
import { KeyObject, webcrypto } from 'node:crypto';

type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[1]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;
/** id-fido-gen-ce-aaguid (FIDO "Key Attestation" §4.2): the AAGUID inside the certificate. */
const ID_FIDO_GEN_CE_AAGUID = '1.3.6.1.4.1.45724.1.1.4';

export interface TestCa {
  cert: x509.X509Certificate;
  keys: CryptoKeyPair;
  pem: string;
  /** Base64 DER, as MDS lists attestationRootCertificates. */
  base64: string;
}

let serial = 1;
const nextSerial = () => (serial++).toString(16).padStart(4, '0');

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

function validity() {
  const now = Date.now();
  return { notBefore: new Date(now - DAY), notAfter: new Date(now + 365 * DAY) };
}

function toCa(cert: x509.X509Certificate, keys: CryptoKeyPair): TestCa {
  return {
    cert,
    keys,
    pem: cert.toString('pem'),
    base64: Buffer.from(cert.rawData).toString('base64'),
  };
}

/** A self-signed CA: an MDS root or an authenticator vendor's attestation root. */
export async function createTestRoot(name: string): Promise<TestCa> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(),
    name: `CN=${name}, O=passkeyd tests, C=US`,
    ...validity(),
    signingAlgorithm: ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
    ],
  });
  return toCa(cert, keys);
}

async function issue(
  issuer: TestCa,
  subject: string,
  extensions: x509.Extension[],
): Promise<{ cert: x509.X509Certificate; keys: CryptoKeyPair }> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: nextSerial(),
    subject,
    issuer: issuer.cert.subject,
    ...validity(),
    signingAlgorithm: ALG,
    publicKey: keys.publicKey,
    signingKey: issuer.keys.privateKey,
    extensions: [new x509.BasicConstraintsExtension(false, undefined, true), ...extensions],
  });
  return { cert, keys };
}

/**
 * An attestation certificate for `aaguid` as WebAuthn §8.2.1 requires of packed attestation
 * (OU "Authenticator Attestation", C, O, CN, not a CA, the AAGUID extension), in the form
 * TestAuthenticator's `attestationCertificate` option takes.
 */
export async function createAttestationCertificate(
  vendorRoot: TestCa,
  aaguid: string,
): Promise<{ privateKey: KeyObject; x5c: Uint8Array[] }> {
  const aaguidBytes = Buffer.from(aaguid.replaceAll('-', ''), 'hex');
  // extnValue is the DER of an OCTET STRING holding the 16 AAGUID bytes.
  const value = Buffer.concat([Buffer.from([0x04, 0x10]), aaguidBytes]);
  const { cert, keys } = await issue(
    vendorRoot,
    'C=US, O=passkeyd tests, OU=Authenticator Attestation, CN=Test Key Attestation',
    [new x509.Extension(ID_FIDO_GEN_CE_AAGUID, false, value)],
  );
  return { privateKey: KeyObject.from(keys.privateKey), x5c: [new Uint8Array(cert.rawData)] };
}

export interface TestMdsEntry {
  aaguid: string;
  description: string;
  /** Vendor roots the model's attestation chains to. */
  roots: TestCa[];
  /** e.g. ['FIDO_CERTIFIED_L1']; default none. */
  statuses?: string[];
}

/** The certificate that signs BLOBs, issued by the (test) MDS root, as FIDO's MDS3 signer is. */
export async function createMdsSigner(mdsRoot: TestCa): Promise<TestCa> {
  const { cert, keys } = await issue(mdsRoot, 'CN=Test MDS BLOB signer, O=passkeyd tests, C=US', [
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
  ]);
  return toCa(cert, keys);
}

const b64url = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');

/** An MDS3 BLOB: a JWS (ES256) whose x5c is the signer's certificate (FIDO MDS3 §3.1.7). */
export async function createMdsBlob(
  signer: TestCa,
  opts: { no: number; entries: TestMdsEntry[]; nextUpdate?: string },
): Promise<string> {
  const header = { alg: 'ES256', typ: 'JWT', x5c: [signer.base64] };
  const payload = {
    legalHeader: 'Test metadata: no warranty.',
    no: opts.no,
    nextUpdate: opts.nextUpdate ?? new Date(Date.now() + 30 * DAY).toISOString().slice(0, 10),
    entries: opts.entries.map((e) => ({
      aaguid: e.aaguid,
      metadataStatement: {
        legalHeader: 'Test metadata: no warranty.',
        aaguid: e.aaguid,
        description: e.description,
        authenticatorVersion: 1,
        protocolFamily: 'fido2',
        schema: 3,
        upv: [{ major: 1, minor: 0 }],
        authenticationAlgorithms: ['secp256r1_ecdsa_sha256_raw'],
        publicKeyAlgAndEncodings: ['cose'],
        attestationTypes: ['basic_full'],
        userVerificationDetails: [[{ userVerificationMethod: 'presence_internal' }]],
        keyProtection: ['hardware', 'secure_element'],
        matcherProtection: ['on_chip'],
        attachmentHint: ['external'],
        tcDisplay: [],
        attestationRootCertificates: e.roots.map((r) => r.base64),
      },
      statusReports: (e.statuses ?? []).map((status) => ({
        status,
        effectiveDate: '2025-01-01',
      })),
      timeOfLastStatusChange: '2025-01-01',
    })),
  };
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  // JWS ES256 signatures are r || s (RFC 7518 §3.4), which is what WebCrypto produces.
  const sig = await webcrypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    signer.keys.privateKey,
    Buffer.from(signingInput),
  );
  return `${signingInput}.${b64url(new Uint8Array(sig))}`;
}
