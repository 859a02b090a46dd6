import type { KeyObject } from 'node:crypto';

/**
 * Bytes this package hands out. Backed by a plain ArrayBuffer, so they can be passed straight to
 * APIs typed for `Uint8Array<ArrayBuffer>` (WebCrypto, SimpleWebAuthn helpers) under TS ≥ 5.7.
 */
export type Bytes = Uint8Array<ArrayBuffer>;

/** Signature algorithms the authenticator can create credentials for. */
export type Alg = 'ES256' | 'EdDSA' | 'RS256';

/** Attestation statement formats the authenticator can produce. */
export type AttestationFormat = 'none' | 'packed';

/** A credential descriptor as it appears in `excludeCredentials` / `allowCredentials`. */
export interface CredentialDescriptorJSON {
  /** Credential ID; base64url, but standard base64 (padded or not) is accepted too. */
  id: string;
  type: string;
  transports?: string[];
}

/**
 * The `publicKey` member of `navigator.credentials.create()` options, in JSON form, as a server
 * sends it. Only the fields this authenticator reads are listed; extra fields are ignored.
 */
export interface CreationOptionsJSON {
  /** Base64url (standard base64 accepted). */
  challenge: string;
  /** When `id` is missing the RP ID is the origin's host, as in a browser. */
  rp: { id?: string; name: string };
  /** `id` is the user handle in base64url (standard base64 accepted). */
  user: { id: string; name: string; displayName: string };
  pubKeyCredParams?: { type: string; alg: number }[];
  excludeCredentials?: CredentialDescriptorJSON[];
  authenticatorSelection?: {
    authenticatorAttachment?: string;
    residentKey?: string;
    requireResidentKey?: boolean;
    userVerification?: string;
  };
  attestation?: string;
  timeout?: number;
  hints?: string[];
  /**
   * Only `credProps` is acted on. Typed loosely so that servers' own option types (whose
   * extension interfaces have no index signature) are accepted.
   */
  extensions?: object;
}

/** The `publicKey` member of `navigator.credentials.get()` options, in JSON form. */
export interface RequestOptionsJSON {
  /** Base64url (standard base64 accepted). */
  challenge: string;
  /** When missing the RP ID is the origin's host, as in a browser. */
  rpId?: string;
  allowCredentials?: CredentialDescriptorJSON[];
  userVerification?: string;
  timeout?: number;
  hints?: string[];
  /** Ignored. */
  extensions?: object;
}

/** What `PublicKeyCredential.toJSON()` gives after `navigator.credentials.create()`. */
export interface RegistrationResponseJSON {
  id: string;
  rawId: string;
  type: 'public-key';
  response: {
    clientDataJSON: string;
    attestationObject: string;
    authenticatorData: string;
    transports: string[];
    publicKeyAlgorithm: number;
    /** SubjectPublicKeyInfo DER of the credential public key. */
    publicKey: string;
  };
  /**
   * Duplicates `response.transports`: the Passage browser SDK sends it at the top level while
   * SimpleWebAuthn and the WebAuthn JSON spec read it from `response`.
   */
  transports: string[];
  clientExtensionResults: { credProps?: { rk: boolean } };
  authenticatorAttachment: 'platform';
}

/** What `PublicKeyCredential.toJSON()` gives after `navigator.credentials.get()`. */
export interface AuthenticationResponseJSON {
  id: string;
  rawId: string;
  type: 'public-key';
  response: {
    clientDataJSON: string;
    authenticatorData: string;
    signature: string;
    /** Absent when the tamper knob `userHandle: null` is used. */
    userHandle?: string;
  };
  clientExtensionResults: Record<string, never>;
  authenticatorAttachment: 'platform';
}

/**
 * A key pair usable as a credential key. Produced by `generateCredentialKey()`; pass the same one
 * to several `createCredential()` calls to skip slow RSA key generation in tests.
 */
export interface CredentialKey {
  alg: Alg;
  privateKey: KeyObject;
  /** PKCS#8 DER. */
  privateKeyPkcs8: Bytes;
  /** SubjectPublicKeyInfo DER. */
  publicKeySpki: Bytes;
  /** CBOR COSE_Key, with the standard `alg` for `alg`. */
  publicKeyCose: Bytes;
}

/** A credential held by a `TestAuthenticator`. */
export interface StoredCredential {
  /** Credential ID, base64url. */
  id: string;
  rawId: Bytes;
  alg: Alg;
  rpId: string;
  userHandle: Bytes;
  /** The counter value last emitted (0 right after registration). */
  signCount: number;
  privateKey: KeyObject;
  /** PKCS#8 DER. */
  privateKeyPkcs8: Bytes;
  /** CBOR COSE_Key as registered (without any `unsupportedAlg` tampering). */
  publicKeyCose: Bytes;
}

/** Options of a `TestAuthenticator`, i.e. what kind of device it pretends to be. */
export interface TestAuthenticatorOptions {
  /** AAGUID as a UUID string; default all zeros. */
  aaguid?: string;
  /** Sets the BE flag; default true (a synced passkey). */
  backupEligible?: boolean;
  /**
   * Sets the BS flag; default: same as `backupEligible`. BS without BE is invalid per spec and is
   * allowed here on purpose so servers can be tested against it.
   */
  backupState?: boolean;
  /** Sets the UV flag; default true. */
  userVerifying?: boolean;
  /** Transports reported at registration; default `['internal', 'hybrid']`. */
  transports?: string[];
  /** Added to a credential's counter on each assertion; default 1. 0 = never counts, like synced passkeys. */
  counterStep?: number;
  /**
   * Makes `packed` attestation a full (basic) attestation, as a hardware security key does: the
   * attestation key signs instead of the credential key and `attStmt.x5c` carries `x5c`. Without
   * it `packed` is self attestation.
   */
  attestationCertificate?: AttestationCertificate;
}

/** An attestation key and its certificate chain, for full packed attestation. */
export interface AttestationCertificate {
  /** ECDSA P-256 private key of the leaf certificate; signs with ES256. */
  privateKey: KeyObject;
  /** DER certificates, leaf (the attestation certificate) first, root not included. */
  x5c: Uint8Array[];
}

/**
 * Ways to corrupt a registration response, one attack per knob. Corruptions of signed data
 * (flags, RP ID hash, algorithm) are applied before signing, so only the server's checks of that
 * field can catch them.
 */
export interface RegistrationTamper {
  /** `origin` written into clientDataJSON. */
  origin?: string;
  /** `type` written into clientDataJSON, e.g. `'webauthn.get'`. */
  type?: string;
  /** `challenge` written verbatim into clientDataJSON. */
  challenge?: string;
  /** RP ID whose SHA-256 goes into authenticator data instead of the real one. */
  rpId?: string;
  clearUserPresent?: boolean;
  clearUserVerified?: boolean;
  /** Flip a bit of the packed attestation signature (throws with attestation `none`). */
  badAttestationSignature?: boolean;
  /**
   * COSE algorithm number to claim in the credential public key, the packed `attStmt.alg` and
   * `publicKeyAlgorithm`, while the key (and signatures) stay what they are.
   */
  unsupportedAlg?: number;
  /**
   * Cut the attestation object inside authData, leaving the attested credential data out while
   * the byte string's declared length stays (`response.authenticatorData` is left whole).
   */
  truncateAttestationObject?: boolean;
  /**
   * Members merged into clientDataJSON (before the packed attestation signs its hash), e.g.
   * `{ crossOrigin: true, topOrigin: 'https://top.example' }`; `undefined` drops a member.
   */
  clientData?: Record<string, unknown>;
}

/** Ways to corrupt an authentication response, one attack per knob. */
export interface AssertionTamper {
  /** `origin` written into clientDataJSON. */
  origin?: string;
  /** `type` written into clientDataJSON, e.g. `'webauthn.create'`. */
  type?: string;
  /** `challenge` written verbatim into clientDataJSON. */
  challenge?: string;
  /** RP ID whose SHA-256 goes into authenticator data instead of the real one. */
  rpId?: string;
  clearUserPresent?: boolean;
  clearUserVerified?: boolean;
  /** Flip a bit of the signature. */
  tamperSignature?: boolean;
  /** Counter value to emit (signed) instead of the credential's; the stored counter still advances. */
  signCount?: number;
  /**
   * User handle to send instead of the credential's; `null` omits the field. An empty array gives
   * `""`, which is what some JS clients send for a null user handle.
   */
  userHandle?: Uint8Array | null;
  /** Drop the last byte of authenticator data after signing. */
  truncateAuthenticatorData?: boolean;
  /** Credential ID (base64url) to put in `id`/`rawId`; the real credential still signs. */
  credentialId?: string;
  /**
   * Members merged into clientDataJSON before signing, e.g. `{ crossOrigin: true }`;
   * `undefined` drops a member.
   */
  clientData?: Record<string, unknown>;
  /** BE flag of this assertion instead of the device's (signed). */
  backupEligible?: boolean;
  /** BS flag of this assertion instead of the device's (signed). */
  backupState?: boolean;
}

/** The `ctx` argument of `TestAuthenticator.createCredential()`. */
export interface CreateCredentialContext {
  /** Origin of the calling page, e.g. `https://example.com`. */
  origin: string;
  /**
   * Algorithm of the new credential; default: the first entry of `pubKeyCredParams` that is
   * supported. Not checked against `pubKeyCredParams`, so a test can register an algorithm the
   * server did not offer.
   */
  alg?: Alg;
  /** Use this key instead of generating one (its `alg` wins over `alg`). */
  key?: CredentialKey;
  /**
   * Credential ID bytes instead of 16-32 random ones, e.g. 1024 bytes to test a server against
   * WebAuthn §7.1's limit of 1023.
   */
  credentialId?: Uint8Array;
  /**
   * Default: `packed` when the options ask for `direct`, `indirect` or `enterprise` attestation,
   * `none` otherwise.
   */
  attestation?: AttestationFormat;
  tamper?: RegistrationTamper;
}

/** The `ctx` argument of `TestAuthenticator.getAssertion()`. */
export interface GetAssertionContext {
  /** Origin of the calling page, e.g. `https://example.com`. */
  origin: string;
  /** Use this credential (base64url ID); it must still match the RP ID and `allowCredentials`. */
  credentialId?: string;
  tamper?: AssertionTamper;
}

/**
 * A credential in the shape of the Chrome DevTools Protocol `WebAuthn.Credential` type, for
 * `WebAuthn.addCredential` on a virtual authenticator. Binary fields are standard base64.
 */
export interface CdpCredential {
  credentialId: string;
  isResidentCredential: true;
  rpId: string;
  /** PKCS#8 DER, standard base64. */
  privateKey: string;
  userHandle: string;
  signCount: number;
}

/** A credential made elsewhere, e.g. read back from a CDP virtual authenticator. */
export interface ImportCredentialInput {
  /** Bytes, or base64/base64url. */
  credentialId: Uint8Array | string;
  /** PKCS#8 DER bytes, base64 thereof, or a private `KeyObject`. */
  privateKey: Uint8Array | string | KeyObject;
  rpId: string;
  /** Bytes, or base64/base64url. */
  userHandle: Uint8Array | string;
  /** Default 0. */
  signCount?: number;
  /** Default: inferred from the key type (P-256 → ES256, Ed25519 → EdDSA, RSA → RS256). */
  alg?: Alg;
}
