export interface AuthenticatorInfo {
  name: string;
  iconLight: string | null;
  iconDark: string | null;
}

/**
 * Authenticator name and icons for an AAGUID. The all-zero AAGUID (attestation "none" from many
 * platforms) names nothing.
 */
export function lookupAuthenticator(aaguid: string): AuthenticatorInfo | undefined {
  if (!aaguid || aaguid === '00000000-0000-0000-0000-000000000000') return undefined;
  return undefined;
}
