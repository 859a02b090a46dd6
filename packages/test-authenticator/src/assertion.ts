import { buildAuthenticatorData } from './authenticator-data.js';
import { flipLastBit, toBase64Url } from './bytes.js';
import { buildClientDataJSON, sha256 } from './client-data.js';
import { signWithKey } from './keys.js';
import type {
  AssertionTamper,
  AuthenticationResponseJSON,
  RequestOptionsJSON,
  StoredCredential,
} from './types.js';

export interface AssertionInput {
  options: RequestOptionsJSON;
  origin: string;
  credential: StoredCredential;
  /** UP/UV/BE/BS as the authenticator sets them, tampering already applied. */
  flags: number;
  signCount: number;
  tamper: AssertionTamper;
}

/** Builds what `PublicKeyCredential.toJSON()` returns after a successful `get()`. */
export function buildAssertionResponse(input: AssertionInput): AuthenticationResponseJSON {
  const { tamper, credential } = input;
  const clientDataJSON = buildClientDataJSON({
    type: tamper.type ?? 'webauthn.get',
    challenge: input.options.challenge,
    challengeOverride: tamper.challenge,
    origin: tamper.origin ?? input.origin,
    extra: tamper.clientData,
  });
  let authData = buildAuthenticatorData({
    rpId: tamper.rpId ?? credential.rpId,
    flags: input.flags,
    signCount: tamper.signCount ?? input.signCount,
  });
  let signature = signWithKey(credential, Buffer.concat([authData, sha256(clientDataJSON)]));
  if (tamper.tamperSignature) signature = flipLastBit(signature);
  if (tamper.truncateAuthenticatorData) authData = authData.slice(0, -1);

  const id = tamper.credentialId ?? credential.id;
  const userHandle = tamper.userHandle === undefined ? credential.userHandle : tamper.userHandle;
  return {
    id,
    rawId: id,
    type: 'public-key',
    response: {
      clientDataJSON: toBase64Url(clientDataJSON),
      authenticatorData: toBase64Url(authData),
      signature: toBase64Url(signature),
      ...(userHandle === null ? {} : { userHandle: toBase64Url(userHandle) }),
    },
    clientExtensionResults: {},
    authenticatorAttachment: 'platform',
  };
}
