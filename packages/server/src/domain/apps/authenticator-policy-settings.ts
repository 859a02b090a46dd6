import { PasskeydError } from '../errors.js';
import type { AaguidPolicy, AttestationConveyance } from '../types.js';

const AAGUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CONVEYANCES: readonly AttestationConveyance[] = ['none', 'direct', 'enterprise'];
const POLICIES: readonly AaguidPolicy[] = ['any', 'allow', 'deny'];
/** Far more than any fleet lists (MDS3 has about 250 FIDO2 entries); keeps the row bounded. */
export const MAX_AAGUIDS = 500;

const bad = (message: string, field: string) =>
  new PasskeydError('invalid_request', message, { details: { field } });

/**
 * An app's attestation conveyance and authenticator policy (docs/attestation.md). With
 * attestation `none` the AAGUID in authenticatorData is self-asserted (WebAuthn §6.5.1: "the
 * AAGUID ... is not verifiable"), so a policy that must be sure of it (an allow-list, or
 * certified-only) is refused unless the app asks for attestation: a silent allow-list anyone
 * can pass by writing the right 16 bytes would be worse than none. A deny-list is allowed under
 * `none`: it keeps out honest authenticators of a model, which is all it can promise there.
 */
export function validateAuthenticatorPolicy(s: {
  attestation?: AttestationConveyance;
  aaguidPolicy?: AaguidPolicy;
  aaguids?: string[];
  requireFidoCertified?: boolean;
}): {
  attestation: AttestationConveyance;
  aaguidPolicy: AaguidPolicy;
  aaguids: string[];
  requireFidoCertified: boolean;
} {
  const attestation = s.attestation ?? 'none';
  if (!CONVEYANCES.includes(attestation)) {
    throw bad('attestation must be none, direct or enterprise', 'attestation');
  }
  const aaguidPolicy = s.aaguidPolicy ?? 'any';
  if (!POLICIES.includes(aaguidPolicy)) {
    throw bad('aaguid_policy must be any, allow or deny', 'aaguid_policy');
  }
  const aaguids = [...new Set((s.aaguids ?? []).map((a) => a.trim().toLowerCase()))];
  for (const a of aaguids) {
    if (!AAGUID.test(a)) {
      throw bad(`"${a}" is not an AAGUID such as ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4`, 'aaguids');
    }
  }
  if (aaguids.length > MAX_AAGUIDS) throw bad(`at most ${MAX_AAGUIDS} AAGUIDs`, 'aaguids');
  if (aaguidPolicy === 'allow' && aaguids.length === 0) {
    // An empty allow-list refuses every registration; that is a mistake, not a policy.
    throw bad('an allow-list needs at least one AAGUID', 'aaguids');
  }
  const requireFidoCertified = s.requireFidoCertified ?? false;
  if (attestation === 'none' && (aaguidPolicy === 'allow' || requireFidoCertified)) {
    throw bad(
      'an AAGUID allow-list or certified-only needs attestation direct or enterprise: with none the AAGUID is unverified',
      'attestation',
    );
  }
  return {
    attestation,
    aaguidPolicy,
    aaguids: aaguidPolicy === 'any' ? [] : aaguids,
    requireFidoCertified,
  };
}
