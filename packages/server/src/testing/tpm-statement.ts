// Test-only: a `tpm` attestation statement (WebAuthn §8.3) as a TPM 2.0 makes it with
// TPM2_Certify: pubArea describes the credential key, certInfo (a TPMS_ATTEST) names it and
// carries the hash of authData || clientDataHash, and the AIK signs certInfo. Structures from
// TPM 2.0 Library Part 2 (TPMT_PUBLIC §12.2.4, TPMS_ATTEST §10.12.12), big-endian throughout.
import { AsnSerializer } from '@peculiar/asn1-schema';
import {
  AttributeTypeAndValue,
  AttributeValue,
  GeneralName,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
} from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';
import { cose, decodeCredentialPublicKey } from '@simplewebauthn/server/helpers';
import { sign } from 'node:crypto';
import {
  aaguidExtension,
  createSigner,
  type TestCa,
  type TestSigner,
} from './attestation-fixtures.js';
import { sha256, type CBORValue, type StatementBuilder } from './attestation-statements.js';

const TPM_GENERATED_VALUE = 0xff544347;
const TPM_ST_ATTEST_CERTIFY = 0x8017;
const TPM_ALG_RSA = 0x0001;
const TPM_ALG_SHA256 = 0x000b;
const TPM_ALG_NULL = 0x0010;
const TPM_ALG_ECC = 0x0023;
const TPM_ECC_NIST_P256 = 0x0003;
// fixedTPM | fixedParent | sensitiveDataOrigin | userWithAuth | noDA | sign: a non-duplicable
// signing key the TPM generated, as Windows Hello makes.
const OBJECT_ATTRIBUTES = 0x00040472;
/** tcg-kp-AIKCertificate (TCG EK Credential Profile §3.2.6): the AIK certificate's EKU. */
const TCG_KP_AIK_CERTIFICATE = '2.23.133.8.3';
/** The FIDO Alliance's TPM vendor id, which conformance tools use and SimpleWebAuthn lists. */
const TEST_TPM_MANUFACTURER = 'id:FFFFF1D0';

const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
/** TPM2B_*: a u16 size, then the bytes. */
const sized = (bytes: Uint8Array) => Buffer.concat([u16(bytes.length), bytes]);

/** TPMT_PUBLIC for the credential key: what the TPM says it generated. */
export function tpmPubArea(credentialPublicKey: Uint8Array<ArrayBuffer>): Uint8Array {
  const key = decodeCredentialPublicKey(credentialPublicKey);
  const head = (type: number) =>
    Buffer.concat([
      u16(type),
      u16(TPM_ALG_SHA256),
      u32(OBJECT_ATTRIBUTES),
      sized(new Uint8Array()),
    ]);
  if (cose.isCOSEPublicKeyEC2(key)) {
    return Buffer.concat([
      head(TPM_ALG_ECC),
      // TPMS_ECC_PARMS: symmetric, scheme, curveID, kdf; then TPMS_ECC_POINT x, y.
      u16(TPM_ALG_NULL),
      u16(TPM_ALG_NULL),
      u16(TPM_ECC_NIST_P256),
      u16(TPM_ALG_NULL),
      sized(key.get(cose.COSEKEYS.x)!),
      sized(key.get(cose.COSEKEYS.y)!),
    ]);
  }
  if (cose.isCOSEPublicKeyRSA(key)) {
    const n = key.get(cose.COSEKEYS.n)!;
    return Buffer.concat([
      head(TPM_ALG_RSA),
      // TPMS_RSA_PARMS: symmetric, scheme, keyBits, exponent (0 means 65537); then the modulus.
      u16(TPM_ALG_NULL),
      u16(TPM_ALG_NULL),
      u16(n.length * 8),
      u32(0),
      sized(n),
    ]);
  }
  throw new TypeError('tpm statements here cover EC2 (P-256) and RSA credential keys');
}

/** TPMS_ATTEST of TPM2_Certify over the object named `attestedName`. */
function certInfo(extraData: Uint8Array, attestedName: Uint8Array): Uint8Array {
  return Buffer.concat([
    u32(TPM_GENERATED_VALUE),
    u16(TPM_ST_ATTEST_CERTIFY),
    sized(Buffer.concat([u16(TPM_ALG_SHA256), sha256(Buffer.from('test TPM signer'))])),
    sized(extraData),
    // TPMS_CLOCK_INFO: clock (u64), resetCount, restartCount, safe.
    Buffer.alloc(8, 0x01),
    u32(3),
    u32(1),
    Buffer.from([1]),
    // firmwareVersion (u64).
    Buffer.from('0102030405060708', 'hex'),
    // TPMS_CERTIFY_INFO: name, qualifiedName.
    sized(attestedName),
    sized(Buffer.concat([u16(TPM_ALG_SHA256), sha256(Buffer.from('test TPM parent'))])),
  ]);
}

/**
 * An AIK certificate with what WebAuthn §8.3.1 requires of it: version 3, an empty subject, a
 * subjectAltName directoryName with the TPM's manufacturer, model and version, the
 * tcg-kp-AIKCertificate EKU, not a CA, and (optional in the spec) the AAGUID extension.
 */
export async function createTpmAik(
  issuer: TestCa,
  aaguid: string,
  opts: { chain?: TestCa[]; manufacturer?: string; keyType?: 'EC' | 'RSA' } = {},
): Promise<TestSigner> {
  const attr = (type: string, value: string) =>
    new RelativeDistinguishedName([
      new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) }),
    ]);
  const san = new SubjectAlternativeName([
    new GeneralName({
      directoryName: new Name([
        attr('2.23.133.2.1', opts.manufacturer ?? TEST_TPM_MANUFACTURER),
        attr('2.23.133.2.2', 'passkeyd test TPM'),
        attr('2.23.133.2.3', 'id:00020008'),
      ]),
    }),
  ]);
  return createSigner(issuer, {
    extensions: [
      // RFC 5280 §4.2.1.6: with an empty subject the subjectAltName is critical.
      new x509.Extension('2.5.29.17', true, AsnSerializer.serialize(san)),
      new x509.ExtendedKeyUsageExtension([TCG_KP_AIK_CERTIFICATE], false),
      aaguidExtension(aaguid),
    ],
    ...(opts.chain ? { chain: opts.chain } : {}),
    ...(opts.keyType ? { keyType: opts.keyType } : {}),
  });
}

/**
 * A `tpm` statement signed by `aik` (ES256 or RS256, as its key is; both hash with SHA-256). `wrongExtraData` binds certInfo to the hash of
 * authData alone instead of authData || clientDataHash, still correctly signed: the statement
 * of another ceremony.
 */
export function tpmStatement(
  aik: TestSigner,
  opts: { wrongExtraData?: boolean } = {},
): StatementBuilder {
  return async ({ authData, clientDataHash, credentialPublicKey }) => {
    const pubArea = tpmPubArea(credentialPublicKey);
    // The TPM's name of an object: nameAlg || H_nameAlg(pubArea) (Part 1 §16).
    const name = Buffer.concat([u16(TPM_ALG_SHA256), sha256(pubArea)]);
    const extraData = opts.wrongExtraData ? sha256(authData) : sha256(authData, clientDataHash);
    const info = certInfo(extraData, name);
    const attStmt = new Map<string, CBORValue>([
      ['ver', '2.0'],
      ['alg', aik.alg],
      ['x5c', aik.x5c],
      ['sig', new Uint8Array(sign('sha256', info, aik.privateKey))],
      ['certInfo', new Uint8Array(info)],
      ['pubArea', new Uint8Array(pubArea)],
    ]);
    return { fmt: 'tpm', attStmt };
  };
}
