import { buildAttestationObject } from './attestation.js';
import { buildAuthenticatorData } from './authenticator-data.js';
import { toBase64Url } from './bytes.js';
import { buildClientDataJSON, sha256 } from './client-data.js';
import { COSE_ALG, withCoseAlg } from './cose.js';
import type {
  AttestationCertificate,
  AttestationFormat,
  CreationOptionsJSON,
  CredentialKey,
  RegistrationResponseJSON,
  RegistrationTamper,
} from './types.js';

export interface RegistrationInput {
  options: CreationOptionsJSON;
  origin: string;
  rpId: string;
  key: CredentialKey;
  credentialId: Uint8Array;
  aaguid: Uint8Array;
  /** UP/UV/BE/BS as the authenticator sets them, tampering already applied; AT is added here. */
  flags: number;
  transports: string[];
  attestation: AttestationFormat;
  attestationCertificate?: AttestationCertificate | undefined;
  tamper: RegistrationTamper;
}

/** Builds what `PublicKeyCredential.toJSON()` returns after a successful `create()`. */
export function buildRegistrationResponse(input: RegistrationInput): RegistrationResponseJSON {
  const { tamper } = input;
  const coseAlg = tamper.unsupportedAlg ?? COSE_ALG[input.key.alg];
  const publicKeyCose =
    tamper.unsupportedAlg === undefined
      ? input.key.publicKeyCose
      : withCoseAlg(input.key.publicKeyCose, tamper.unsupportedAlg);

  const clientDataJSON = buildClientDataJSON({
    type: tamper.type ?? 'webauthn.create',
    challenge: input.options.challenge,
    challengeOverride: tamper.challenge,
    origin: tamper.origin ?? input.origin,
    extra: tamper.clientData,
  });
  const authData = buildAuthenticatorData({
    rpId: tamper.rpId ?? input.rpId,
    flags: input.flags,
    signCount: 0,
    attestedCredential: { aaguid: input.aaguid, credentialId: input.credentialId, publicKeyCose },
  });
  let attestationObject = buildAttestationObject({
    format: input.attestation,
    authData,
    clientDataHash: sha256(clientDataJSON),
    key: input.key,
    coseAlg,
    corruptSignature: tamper.badAttestationSignature,
    ...(input.attestationCertificate ? { certificate: input.attestationCertificate } : {}),
  });
  if (tamper.truncateAttestationObject) {
    // authData is the last CBOR item, so this cuts it right after its 37-byte header. Cutting a
    // byte or two is not enough: lenient CBOR decoders return a short byte string, and with
    // attestation none nothing else notices a slightly shorter public key.
    attestationObject = attestationObject.slice(
      0,
      attestationObject.length - (authData.length - 37),
    );
  }

  const id = toBase64Url(input.credentialId);
  const extensions = input.options.extensions;
  const requested = !!extensions && 'credProps' in extensions && extensions.credProps === true;
  return {
    id,
    rawId: id,
    type: 'public-key',
    response: {
      clientDataJSON: toBase64Url(clientDataJSON),
      attestationObject: toBase64Url(attestationObject),
      authenticatorData: toBase64Url(authData),
      transports: [...input.transports],
      publicKeyAlgorithm: coseAlg,
      publicKey: toBase64Url(input.key.publicKeySpki),
    },
    transports: [...input.transports],
    // Every credential this authenticator makes is discoverable, so credProps.rk is always true.
    clientExtensionResults: requested ? { credProps: { rk: true } } : {},
    authenticatorAttachment: 'platform',
  };
}
