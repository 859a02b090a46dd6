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

/** RS256's key (RSASSA-PKCS1-v1_5, SHA-256), as Windows Hello's TPM attestation keys are. */
const RSA = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
} as const;

async function keyPair(type: 'EC' | 'RSA' = 'EC'): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(type === 'RSA' ? RSA : ALG, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
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

interface IssueOptions {
  /** A DN string; omitted, the subject is the empty sequence (as a TPM AIK certificate's is). */
  subject?: string;
  /** SubjectPublicKeyInfo DER of a key made elsewhere (a credential key); default a new pair. */
  publicKey?: Uint8Array;
  ca?: boolean;
  extensions?: x509.Extension[];
  /** Of the new key pair; default EC P-256. */
  keyType?: 'EC' | 'RSA';
}

async function issue(
  issuer: TestCa,
  opts: IssueOptions,
): Promise<{ cert: x509.X509Certificate; keys: CryptoKeyPair | undefined }> {
  const keys = opts.publicKey ? undefined : await keyPair(opts.keyType);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: nextSerial(),
    ...(opts.subject === undefined ? {} : { subject: opts.subject }),
    issuer: issuer.cert.subject,
    ...validity(),
    signingAlgorithm: ALG,
    publicKey: opts.publicKey ?? keys!.publicKey,
    signingKey: issuer.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(opts.ca ?? false, undefined, true),
      ...(opts.extensions ?? []),
    ],
  });
  return { cert, keys };
}

/** A key pair and its certificate issued by `issuer` (the pair is new unless given). */
async function issueWithKeys(issuer: TestCa, opts: Omit<IssueOptions, 'publicKey'>) {
  const { cert, keys } = await issue(issuer, opts);
  return { cert, keys: keys! };
}

/** An intermediate CA under `root`, as attestation chains of phones and TPMs have. */
export async function createTestIntermediate(root: TestCa, name: string): Promise<TestCa> {
  const { cert, keys } = await issueWithKeys(root, {
    subject: `CN=${name}, O=passkeyd tests, C=US`,
    ca: true,
    extensions: [
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
    ],
  });
  return toCa(cert, keys);
}

/**
 * A leaf certificate for a key the issuer does not hold, only its SPKI: the credential key
 * itself, as android-key and apple attestation certify it.
 */
export async function createCertificateFor(
  issuer: TestCa,
  publicKeySpki: Uint8Array,
  opts: { subject: string; extensions: x509.Extension[] },
): Promise<Uint8Array> {
  const { cert } = await issue(issuer, { ...opts, publicKey: publicKeySpki });
  return new Uint8Array(cert.rawData);
}

/** The extnValue of id-fido-gen-ce-aaguid: the DER of an OCTET STRING of the 16 AAGUID bytes. */
export function aaguidExtension(aaguid: string): x509.Extension {
  const aaguidBytes = Buffer.from(aaguid.replaceAll('-', ''), 'hex');
  const value = Buffer.concat([Buffer.from([0x04, 0x10]), aaguidBytes]);
  return new x509.Extension(ID_FIDO_GEN_CE_AAGUID, false, value);
}

/** A key pair with a certificate `issuer` made, in the form statement builders sign with. */
export interface TestSigner {
  privateKey: KeyObject;
  /** COSE algorithm of the key: ES256 (-7) or RS256 (-257). */
  alg: -7 | -257;
  /** DER, leaf first. */
  x5c: Uint8Array[];
}

/**
 * A certificate issued by `issuer` for a new key pair, with `extensions` and nothing else of the
 * WebAuthn profile: what fido-u2f and TPM attestation certificates are built from. `chain` is
 * appended to x5c after the leaf.
 */
export async function createSigner(
  issuer: TestCa,
  opts: {
    subject?: string;
    extensions?: x509.Extension[];
    chain?: TestCa[];
    keyType?: 'EC' | 'RSA';
  },
): Promise<TestSigner> {
  const { cert, keys } = await issueWithKeys(issuer, opts);
  return {
    privateKey: KeyObject.from(keys.privateKey),
    alg: opts.keyType === 'RSA' ? -257 : -7,
    x5c: [
      new Uint8Array(cert.rawData),
      ...(opts.chain ?? []).map((c) => new Uint8Array(c.cert.rawData)),
    ],
  };
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
  return createSigner(vendorRoot, {
    subject: 'C=US, O=passkeyd tests, OU=Authenticator Attestation, CN=Test Key Attestation',
    extensions: [aaguidExtension(aaguid)],
  });
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
  const { cert, keys } = await issueWithKeys(mdsRoot, {
    subject: 'CN=Test MDS BLOB signer, O=passkeyd tests, C=US',
    extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
  });
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
