import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { getApp } from '../domain/apps/apps.js';
import type { Clock, Storage } from '../domain/ports.js';
import { systemClock } from '../domain/ports.js';
import {
  SOURCES,
  convert,
  isSourceName,
  type ConvertOptions,
} from '../domain/portability/converters/index.js';
import { passageKeys } from '../domain/portability/converters/passage.js';
import { exportPasskeys, type ExportStats } from '../domain/portability/export-passkeys.js';
import type { ImportIssue, ImportReport } from '../domain/portability/format.js';
import { importPasskeys } from '../domain/portability/import-passkeys.js';
import { parseSource } from '../domain/portability/records.js';
import { importAuditChange } from '../domain/audit.js';
import type { CliAuditEntry } from './audit.js';
import type { Out } from './output.js';

/** Options `passkeyd import` and `export` add to the CLI's parser. */
export const PORTABILITY_OPTIONS = {
  from: { type: 'string' },
  keys: { type: 'string' },
  'user-column': { type: 'string' },
  'dry-run': { type: 'boolean' },
} as const;

export const PORTABILITY_HELPS: Record<string, string> = {
  import: `Usage: passkeyd import --app APP_ID [--from SOURCE] [options] FILE

Imports users and their passkeys into an app (docs/migration.md). FILE is JSON lines, a JSON
array or CSV with a header row; "-" reads standard input. Every record is validated; bad ones
are reported with their line number and the rest are imported. Re-running is safe: what exists
is skipped and reported as skipped. Exit status 1 when any record was invalid.

Options:
  --from SOURCE        ${SOURCES.join(' | ')} (default: passkeyd)
                         passkeyd        passkeyd's export format (passkeyd export)
                         simplewebauthn  a SimpleWebAuthn-style passkeys table (id, publicKey,
                                         counter, transports, deviceType, backedUp,
                                         webauthnUserID, and the app's user id)
                         hanko           Hanko passkey-server credentials (API or table rows)
                         passage         Passage user export; keys only through --keys
  --keys FILE          passage: the passkeys' public keys obtained from Passage, by cred_id
  --user-column NAME   the source field holding the app's user id (our external_id)
  --dry-run            validate and report; write nothing
  --json               print the full report as JSON`,
  export: `Usage: passkeyd export --app APP_ID [FILE]

Writes the app's users and passkeys as JSON lines (docs/migration.md, "The format") to FILE, or
to standard output. The output imports into any app with the same RP ID.

Options:
  --json               with FILE: print a JSON summary`,
};

type WithStorage = <T>(fn: (s: Storage) => Promise<T>) => Promise<T>;

export interface PortabilityContext {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  withStorage: WithStorage;
  out: Out;
  clock?: Clock;
  /** Draw a progress bar (a terminal on stderr, not --json). */
  progress?: boolean;
  /** Records a finished import in the audit trail (cli/audit.ts). */
  audit?: (storage: Storage, e: CliAuditEntry) => Promise<void>;
}

export async function runImport(
  values: Record<string, unknown>,
  positionals: string[],
  ctx: PortabilityContext,
  usage: (m: string) => Error,
): Promise<number> {
  const appId = values.app as string | undefined;
  const file = positionals[0];
  if (!appId || !file)
    throw usage('import needs --app APP_ID and a FILE (or - for standard input)');
  const from = (values.from as string | undefined) ?? 'passkeyd';
  if (!isSourceName(from)) throw usage(`--from must be one of ${SOURCES.join(', ')}`);
  if (values.keys !== undefined && from !== 'passage') throw usage('--keys is for --from passage');
  const opts: ConvertOptions = {};
  if (typeof values['user-column'] === 'string') opts.userColumn = values['user-column'];
  if (typeof values.keys === 'string') opts.passageKeys = await readKeys(values.keys);

  const total = file === '-' ? undefined : statSync(file).size;
  const bar = ctx.progress ? progressBar(ctx.stderr, total) : undefined;
  const input = file === '-' ? process.stdin : createReadStream(file);
  const report = await ctx.withStorage(async (storage) => {
    const deps = { storage, clock: ctx.clock ?? systemClock };
    const app = await getApp(storage, appId);
    const records = convert(parseSource(input, { onBytes: bar?.bytes }), from, opts);
    const r = await importPasskeys(app, records, deps, {
      dryRun: Boolean(values['dry-run']),
      onProgress: bar?.records,
    });
    // A dry run changed nothing: no audit entry (as over HTTP).
    if (!r.dry_run)
      await ctx.audit?.(storage, {
        appId: app.id,
        type: 'import.completed',
        target: app.id,
        change: importAuditChange(r, from),
      });
    return r;
  });
  bar?.done();
  ctx.out.print(report, () => describeReport(report));
  return report.records_invalid + report.credentials_invalid > 0 ? 1 : 0;
}

export async function runExport(
  values: Record<string, unknown>,
  positionals: string[],
  ctx: PortabilityContext,
  usage: (m: string) => Error,
): Promise<number> {
  const appId = values.app as string | undefined;
  if (!appId) throw usage('export needs --app APP_ID');
  const file = positionals[0];
  const stats: ExportStats = { users: 0, credentials: 0 };
  await ctx.withStorage(async (storage) => {
    const app = await getApp(storage, appId);
    const lines = exportPasskeys(app, { storage, clock: ctx.clock ?? systemClock }, stats);
    if (file && file !== '-') {
      // 0600: the file names every user of the app.
      await pipeline(Readable.from(lines), createWriteStream(file, { mode: 0o600 }));
    } else {
      for await (const chunk of lines) ctx.stdout(chunk);
    }
  });
  if (file && file !== '-') {
    ctx.out.print(
      { file, users: stats.users, credentials: stats.credentials },
      () => `exported ${stats.users} users and ${stats.credentials} passkeys to ${file}`,
    );
  } else {
    ctx.stderr(`exported ${stats.users} users and ${stats.credentials} passkeys\n`);
  }
  return 0;
}

async function readKeys(path: string): Promise<ReturnType<typeof passageKeys>> {
  const rows: Record<string, unknown>[] = [];
  for await (const r of parseSource(createReadStream(path))) {
    if ('value' in r && typeof r.value === 'object' && r.value !== null)
      rows.push(r.value as Record<string, unknown>);
  }
  return passageKeys(rows);
}

/** The text report: totals, every refused record, and skips grouped by reason. */
export function describeReport(r: ImportReport): string {
  const lines = [
    `${r.dry_run ? 'dry run (nothing written): ' : ''}${r.records} records in ${(r.duration_ms / 1000).toFixed(1)} s`,
    `  users:       ${r.users_created} created, ${r.users_existing} already there`,
    `  passkeys:    ${r.credentials_imported} imported, ${r.credentials_skipped} skipped, ${r.credentials_invalid} invalid`,
    `  bad records: ${r.records_invalid}`,
  ];
  const invalid = r.issues.filter((i) => i.status === 'invalid');
  if (invalid.length) {
    lines.push('', 'Invalid:');
    for (const i of invalid)
      lines.push(`  line ${i.line}: ${i.code ?? 'invalid'}${where(i)}: ${i.message}`);
  }
  const skipped = new Map<string, ImportIssue[]>();
  for (const i of r.issues.filter((x) => x.status === 'skipped'))
    skipped.set(i.message, [...(skipped.get(i.message) ?? []), i]);
  if (skipped.size) {
    lines.push('', 'Skipped:');
    for (const [message, list] of skipped) {
      const shown = list.slice(0, 5).map((i) => i.line);
      lines.push(
        `  ${list.length} × ${message} (line${list.length > 1 ? 's' : ''} ${shown.join(', ')}${list.length > 5 ? ', …' : ''})`,
      );
    }
  }
  if (r.issues_omitted)
    lines.push('', `${r.issues_omitted} more issues not listed (see --json for the first ones).`);
  return lines.join('\n');
}

function where(i: ImportIssue): string {
  const parts = [
    i.external_id && `user ${i.external_id}`,
    i.credential_id && `credential ${i.credential_id}`,
    i.field && `field ${i.field}`,
  ].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/**
 * A one-line bar on stderr, redrawn at most ten times a second: percent of bytes read when the
 * size is known (a file), else a running count (standard input).
 */
export function progressBar(
  write: (s: string) => void,
  totalBytes: number | undefined,
  now: () => number = Date.now,
) {
  let bytes = 0;
  let records = 0;
  let last = Number.NEGATIVE_INFINITY;
  const started = now();
  const draw = (force = false) => {
    const t = now();
    if (!force && t - last < 100) return;
    last = t;
    write(`\r${renderProgress({ bytes, totalBytes, records, seconds: (t - started) / 1000 })}`);
  };
  return {
    bytes: (n: number) => {
      bytes = n;
      draw();
    },
    records: (n: number) => {
      records = n;
      draw();
    },
    done: () => {
      draw(true);
      write('\n');
    },
  };
}

export function renderProgress(
  p: { bytes: number; totalBytes: number | undefined; records: number; seconds: number },
  width = 30,
): string {
  const rate = p.seconds > 0 ? Math.round(p.records / p.seconds) : 0;
  const tail = `${p.records.toLocaleString('en-US')} records, ${rate.toLocaleString('en-US')}/s`;
  if (!p.totalBytes) return `importing… ${tail}`;
  const f = Math.min(1, p.bytes / p.totalBytes);
  const filled = Math.round(f * width);
  return `importing [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(f * 100)).padStart(3)}% ${tail}`;
}
