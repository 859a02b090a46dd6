import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { canonicalBase64Url } from '../encoding.js';
import type { RawCredentialResponse } from './webauthn-response.js';

/**
 * SimpleWebAuthn wants strict WebAuthn JSON (base64url, clientExtensionResults present).
 * Clients may send standard base64 (passage-wire.md §6.4); canonicalise so both verifiers judge
 * the same bytes. Undecodable fields are passed through unchanged for SimpleWebAuthn to refuse.
 */
export function toSimpleWebAuthnAssertion(r: RawCredentialResponse): AuthenticationResponseJSON {
  const c = (v: string | null | undefined) =>
    typeof v === 'string' ? (canonicalBase64Url(v) ?? v) : v;
  return {
    id: c(r.id ?? r.rawId) as string,
    rawId: c(r.rawId ?? r.id) as string,
    type: (r.type ?? 'public-key') as 'public-key',
    response: {
      clientDataJSON: c(r.response.clientDataJSON) as string,
      authenticatorData: c(r.response.authenticatorData) as string,
      signature: c(r.response.signature) as string,
      ...(r.response.userHandle ? { userHandle: c(r.response.userHandle) as string } : {}),
    },
    clientExtensionResults: {},
  };
}
