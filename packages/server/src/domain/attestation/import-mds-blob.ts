import { SettingsService } from '@simplewebauthn/server';
import { verifyMDSBlob } from '@simplewebauthn/server/helpers';
import { PasskeydError } from '../errors.js';
import type { Clock, Storage } from '../ports.js';
import type { MdsBlob, MdsEntry } from '../types.js';

export interface ImportedMdsBlob {
  no: number;
  nextUpdate: string;
  entries: number;
  /** The serial number of the BLOB it replaced, if any. */
  replaced: number | undefined;
}

const refused = (why: string, cause?: unknown) =>
  new PasskeydError('invalid_mds_blob', `The metadata BLOB was refused: ${why}.`, { cause });

/**
 * Verifies an MDS3 BLOB (a JWT) and stores its FIDO2 entries for every node. FIDO MDS3 §3.2
 * "Metadata BLOB object processing rules": verify the x5c chain to the FIDO root and the JWS
 * signature ("ignore the file if the chain cannot be verified", "if the signature is invalid"),
 * and "ignore the file if its number (no) is less or equal to the number of the last BLOB
 * cached locally". Verification is SimpleWebAuthn's verifyMDSBlob, which reads its trust anchors
 * from the process-wide SettingsService under `mds`; we set them on every call so what it trusts
 * is always `rootCertificates` (never empty: with no anchors SimpleWebAuthn skips the chain).
 */
export async function importMdsBlob(
  jwt: string,
  deps: { storage: Storage; clock: Clock; rootCertificates: readonly string[] },
): Promise<ImportedMdsBlob> {
  const token = jwt.trim();
  if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token))
    throw refused('it is not a JWT (header.payload.signature)');
  if (deps.rootCertificates.length === 0) throw new TypeError('no MDS root certificate configured');
  SettingsService.setRootCertificates({
    identifier: 'mds',
    certificates: [...deps.rootCertificates],
  });
  let payload: Awaited<ReturnType<typeof verifyMDSBlob>>['payload'];
  try {
    ({ payload } = await verifyMDSBlob(token));
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw refused(why.replace(/\.$/, ''), cause);
  }
  if (!Number.isSafeInteger(payload.no) || !Array.isArray(payload.entries)) {
    throw refused('its payload lacks no or entries');
  }
  const current = await deps.storage.mds.currentNo();
  if (current !== undefined && payload.no <= current) {
    throw refused(`its serial number ${payload.no} is not greater than the stored ${current}`);
  }
  const entries: MdsEntry[] = [];
  for (const e of payload.entries) {
    // Only FIDO2 authenticators have an AAGUID; U2F and UAF entries are keyed otherwise.
    if (!e.aaguid) continue;
    entries.push({
      aaguid: e.aaguid.toLowerCase(),
      description: e.metadataStatement?.description ?? '',
      statusReports: (e.statusReports ?? []).map((r) => ({
        status: r.status,
        ...(r.effectiveDate ? { effectiveDate: r.effectiveDate } : {}),
      })),
      attestationRootCertificates: e.metadataStatement?.attestationRootCertificates ?? [],
      attestationTypes: e.metadataStatement?.attestationTypes ?? [],
    });
  }
  const blob: MdsBlob = {
    no: payload.no,
    nextUpdate: payload.nextUpdate,
    legalHeader: payload.legalHeader ?? '',
    entries,
    importedAt: deps.clock.now(),
  };
  await deps.storage.mds.replace(blob);
  return { no: blob.no, nextUpdate: blob.nextUpdate, entries: entries.length, replaced: current };
}
