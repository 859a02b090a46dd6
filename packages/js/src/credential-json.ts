import { encodeBase64url } from './base64url.js';

/**
 * The `handshake_response` objects of the finish calls, byte for byte what passage-flex-js sends
 * (passage-wire §2.4, §2.6): `transports` at the top level, no `clientExtensionResults` or
 * `authenticatorAttachment`, and `userHandle: ""` when the authenticator returned none.
 */

export interface RegistrationResponseJSON {
  id: string;
  rawId: string;
  response: { attestationObject: string; clientDataJSON: string };
  transports: string[];
  type: string;
}

export interface AuthenticationResponseJSON {
  id: string;
  rawId: string;
  response: {
    authenticatorData: string;
    clientDataJSON: string;
    signature: string;
    userHandle: string;
  };
  type: string;
}

export function registrationResponseJSON(
  credential: PublicKeyCredential,
): RegistrationResponseJSON {
  const response = credential.response as AuthenticatorAttestationResponse;
  return {
    id: credential.id,
    rawId: encodeBase64url(credential.rawId),
    response: {
      attestationObject: encodeBase64url(response.attestationObject),
      clientDataJSON: encodeBase64url(response.clientDataJSON),
    },
    // getTransports() is missing in older browsers; the server then stores no transports.
    transports: typeof response.getTransports === 'function' ? response.getTransports() : [],
    type: credential.type,
  };
}

export function authenticationResponseJSON(
  credential: PublicKeyCredential,
): AuthenticationResponseJSON {
  const response = credential.response as AuthenticatorAssertionResponse;
  return {
    id: credential.id,
    rawId: encodeBase64url(credential.rawId),
    response: {
      authenticatorData: encodeBase64url(response.authenticatorData),
      clientDataJSON: encodeBase64url(response.clientDataJSON),
      signature: encodeBase64url(response.signature),
      userHandle: encodeBase64url(response.userHandle),
    },
    type: credential.type,
  };
}
