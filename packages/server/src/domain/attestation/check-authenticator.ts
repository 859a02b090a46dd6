import { convertCertBufferToPEM, validateCertificatePath } from '@simplewebauthn/server/helpers';
import type { Storage } from '../ports.js';
import type { App, MdsEntry } from '../types.js';
import { findMdsEntry } from './mds-entries.js';

/** Why a registration was refused by the app's authenticator policy (docs/attestation.md). */
export type PolicyRefusal =
  | 'denied'
  | 'not_allowed'
  | 'attestation_missing'
  | 'not_in_metadata'
  | 'attestation_untrusted'
  | 'compromised'
  | 'not_certified';

/** MDS3 §3.1.4 AuthenticatorStatus values that mean "do not trust this model any more". */
const COMPROMISED = new Set([
  'REVOKED',
  'USER_VERIFICATION_BYPASS',
  'ATTESTATION_KEY_COMPROMISE',
  'USER_KEY_REMOTE_COMPROMISE',
  'USER_KEY_PHYSICAL_COMPROMISE',
]);

export function hasAuthenticatorPolicy(app: App): boolean {
  return app.aaguidPolicy !== 'any' || app.requireFidoCertified;
}

export function isFidoCertified(entry: Pick<MdsEntry, 'statusReports'>): boolean {
  return entry.statusReports.some((r) => r.status.startsWith('FIDO_CERTIFIED'));
}

/**
 * Applies the app's policy to a registration whose attestation statement SimpleWebAuthn has
 * already verified (signature, certificate fields, id-fido-gen-ce-aaguid). What is left is trust:
 * WebAuthn §7.1 step 23, "obtain a list of acceptable trust anchors ... from a trusted source",
 * and step 24, "assess the attestation trustworthiness": here the trusted source is the imported
 * MDS BLOB, whose entry for the AAGUID names the roots that model's attestation chains to.
 * A deny-list needs no trust (it refuses the AAGUID as claimed); an allow-list and certified-only
 * do, so an AAGUID they accept must come with an x5c chain to that entry's roots.
 */
export async function checkAuthenticatorPolicy(
  app: App,
  reg: { aaguid: string; fmt: string; x5c: Uint8Array<ArrayBuffer>[] | undefined },
  storage: Storage,
): Promise<PolicyRefusal | undefined> {
  const aaguid = reg.aaguid.toLowerCase();
  if (app.aaguidPolicy === 'deny' && app.aaguids.includes(aaguid)) return 'denied';
  if (app.aaguidPolicy !== 'allow' && !app.requireFidoCertified) return undefined;
  if (app.aaguidPolicy === 'allow' && !app.aaguids.includes(aaguid)) return 'not_allowed';
  // fmt none, self attestation (packed without x5c) and android-safetynet carry no chain here.
  if (reg.fmt === 'none' || !reg.x5c?.length) return 'attestation_missing';
  const entry = await findMdsEntry(storage, aaguid);
  if (!entry) return 'not_in_metadata';
  // validateCertificatePath skips the check when given no anchors: an entry without roots
  // cannot vouch for anything.
  if (entry.attestationRootCertificates.length === 0) return 'attestation_untrusted';
  try {
    // Inside the try: SimpleWebAuthn parses only the x5c entries its format needs, so the
    // others may be anything the client put there (a CBOR text string is not a certificate).
    const anchors = entry.attestationRootCertificates.map((c) => convertCertBufferToPEM(c));
    const path = reg.x5c.map((c) => convertCertBufferToPEM(c));
    // Android Keystore sends the whole path up to and including the root (and SimpleWebAuthn
    // requires that of android-key), but validateCertificatePath refuses a path that already
    // holds the anchor ("duplicate certificates"): leave the chain's own copy of a root out.
    if (path.length > 1 && anchors.includes(path.at(-1)!)) path.pop();
    await validateCertificatePath(path, anchors);
  } catch {
    return 'attestation_untrusted';
  }
  if (entry.statusReports.some((r) => COMPROMISED.has(r.status))) return 'compromised';
  if (app.requireFidoCertified && !isFidoCertified(entry)) return 'not_certified';
  return undefined;
}
