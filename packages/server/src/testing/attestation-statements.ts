// Test-only: replaces the attestation statement of a registration response that
// @passkeyd/test-authenticator made, so tests can send the formats it does not emit (tpm,
// android-key, apple, fido-u2f). The authenticator still made the credential (key, id,
// authData, clientDataJSON) and holds it for sign-in; only `fmt` and `attStmt` change. The
// builders are async (certificates are signed with WebCrypto), which the authenticator's
// synchronous createCredential() cannot call, hence a step after it rather than an option of it.
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { createHash, type KeyObject } from 'node:crypto';

type Bytes = Uint8Array<ArrayBuffer>;

export type CBORValue = Parameters<typeof isoCBOR.encode>[0];

/** What a registration response has that this module reads and rewrites. */
interface RegistrationLike {
  response: { clientDataJSON: string; attestationObject: string };
}

/** The credential key, as @passkeyd/test-authenticator's generateCredentialKey() returns it. */
export interface CredentialKeyLike {
  privateKey: KeyObject;
  /** SubjectPublicKeyInfo DER. */
  publicKeySpki: Uint8Array;
}

/** Everything a format's statement signs or binds (WebAuthn §8). */
export interface StatementInput {
  authData: Bytes;
  clientDataHash: Bytes;
  rpIdHash: Bytes;
  credentialId: Bytes;
  /** The COSE_Key inside authData's attested credential data. */
  credentialPublicKey: Bytes;
  key: CredentialKeyLike;
}

export interface AttestationStatement {
  fmt: string;
  attStmt: Map<string, CBORValue>;
}

export type StatementBuilder = (input: StatementInput) => Promise<AttestationStatement>;

export const sha256 = (...parts: Uint8Array[]): Bytes => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

type AttestationObject = Map<string, CBORValue>;

function decode(response: RegistrationLike): AttestationObject {
  return isoCBOR.decodeFirst<AttestationObject>(
    Buffer.from(response.response.attestationObject, 'base64url'),
  );
}

function withObject<T extends RegistrationLike>(response: T, object: AttestationObject): T {
  return {
    ...response,
    response: {
      ...response.response,
      attestationObject: Buffer.from(isoCBOR.encode(object)).toString('base64url'),
    },
  };
}

/** authData's attested credential data (WebAuthn §6.5.1): id and COSE key after the header. */
function attestedCredential(authData: Bytes) {
  // rpIdHash (32) | flags (1) | signCount (4) | aaguid (16) | L (2) | credentialId (L) | key
  const idLength = (authData[53]! << 8) | authData[54]!;
  const credentialId = authData.slice(55, 55 + idLength);
  // The test authenticator adds no extensions, so the key runs to the end.
  return { credentialId, credentialPublicKey: authData.slice(55 + idLength) };
}

/**
 * `response` with its attestation statement replaced by what `build` makes for its authData
 * and clientDataJSON. `key` is the credential key the authenticator used (pass it to
 * createCredential as `ctx.key`): android-key, apple and tpm attest that very key.
 */
export async function withAttestationStatement<T extends RegistrationLike>(
  response: T,
  key: CredentialKeyLike,
  build: StatementBuilder,
): Promise<T> {
  const object = decode(response);
  const authData = object.get('authData') as Bytes;
  const { fmt, attStmt } = await build({
    authData,
    clientDataHash: sha256(Buffer.from(response.response.clientDataJSON, 'base64url')),
    rpIdHash: authData.slice(0, 32),
    ...attestedCredential(authData),
    key,
  });
  // fmt, attStmt, authData: the order CTAP2's canonical CBOR gives these keys.
  return withObject(
    response,
    new Map<string, CBORValue>([
      ['fmt', fmt],
      ['attStmt', attStmt],
      ['authData', authData],
    ]),
  );
}

/**
 * `response` with one byte of `attStmt[field]` changed (the last, or of `x5c[0]` for `x5c`):
 * what an attacker who edits a genuine statement in transit sends.
 */
export function tamperStatement<T extends RegistrationLike>(response: T, field: string): T {
  const object = decode(response);
  const attStmt = object.get('attStmt') as Map<string, CBORValue>;
  const value = attStmt.get(field);
  const bytes = (field === 'x5c' ? (value as Uint8Array[])[0] : value) as Uint8Array | undefined;
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`attStmt.${field} is not bytes`);
  const tampered = bytes.slice();
  tampered[tampered.length - 1]! ^= 0x01;
  attStmt.set(field, field === 'x5c' ? [tampered, ...(value as Uint8Array[]).slice(1)] : tampered);
  return withObject(response, object);
}
