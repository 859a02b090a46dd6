import { readFileSync } from 'node:fs';
import { FIDO_MDS_ROOTS } from '../domain/attestation/fido-mds-root.js';
import { importMdsBlob } from '../domain/attestation/import-mds-blob.js';
import { systemClock, type Storage } from '../domain/ports.js';
import type { CliAuditEntry } from './audit.js';
import type { Out } from './output.js';

/** The roots a BLOB must chain to: PASSKEYD_MDS_ROOT_CERT's certificates, else FIDO's. */
export function readMdsRoots(path: string | null): readonly string[] {
  if (path === null) return FIDO_MDS_ROOTS;
  const pems = readFileSync(path, 'utf8').match(
    /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g,
  );
  return (pems ?? []).map((p) => `${p}\n`);
}

/** `passkeyd mds import FILE` and `passkeyd mds show`. */
export async function runMds(
  name: 'mds import' | 'mds show',
  positionals: string[],
  ctx: {
    storage: Storage;
    out: Out;
    rootCertificates: readonly string[];
    usage: (m: string) => Error;
    /** Records the import in the audit trail (cli/audit.ts). */
    audit?: (e: CliAuditEntry) => Promise<void>;
  },
): Promise<number> {
  if (name === 'mds show') {
    const blob = await ctx.storage.mds.current();
    const summary = blob
      ? {
          no: blob.no,
          next_update: blob.nextUpdate,
          entries: blob.entries.length,
          imported_at: new Date(blob.importedAt).toISOString(),
        }
      : null;
    ctx.out.print({ blob: summary }, () =>
      summary
        ? `BLOB no. ${summary.no}, ${summary.entries} FIDO2 entries, imported ${summary.imported_at}, next update ${summary.next_update}`
        : 'no metadata BLOB imported: run passkeyd mds import FILE',
    );
    return 0;
  }
  const file = positionals[0];
  if (!file)
    throw ctx.usage('mds import needs a FILE (the BLOB from https://mds3.fidoalliance.org/)');
  let jwt: string;
  try {
    jwt = readFileSync(file, 'utf8');
  } catch (e) {
    throw ctx.usage(`cannot read ${file}: ${(e as Error).message}`);
  }
  const r = await importMdsBlob(jwt, {
    storage: ctx.storage,
    clock: systemClock,
    rootCertificates: ctx.rootCertificates,
  });
  await ctx.audit?.({
    appId: null,
    type: 'admin.mds.imported',
    target: String(r.no),
    change: {
      no: r.no,
      next_update: r.nextUpdate,
      entries: r.entries,
      replaced: r.replaced ?? null,
    },
  });
  const stale = r.nextUpdate < new Date().toISOString().slice(0, 10);
  ctx.out.print(
    {
      no: r.no,
      next_update: r.nextUpdate,
      entries: r.entries,
      replaced: r.replaced ?? null,
      stale,
    },
    () =>
      [
        `imported BLOB no. ${r.no}: ${r.entries} FIDO2 entries, next update ${r.nextUpdate}`,
        ...(r.replaced !== undefined ? [`replaced BLOB no. ${r.replaced}`] : []),
        ...(stale ? ['warning: its next update date has passed; fetch a newer BLOB'] : []),
      ].join('\n'),
  );
  return 0;
}
