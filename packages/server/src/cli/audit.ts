import { userInfo } from 'node:os';
import { recordAudit, type AuditType } from '../domain/audit.js';
import { exportAudit, exportEvents } from '../domain/audit-export.js';
import { systemClock, type AuditFilter, type Storage } from '../domain/ports.js';

/** `cli:<os user>`: whoever ran the command, as the operating system names them. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    // A container user with no passwd entry has a uid and no name.
    return `cli:uid-${process.getuid?.() ?? 'unknown'}`;
  }
}

export interface CliAuditEntry {
  appId: string | null;
  type: AuditType;
  target?: string | null;
  change?: unknown;
}

/**
 * Records a CLI command's change in the audit trail. The change is done by then: a failed
 * recording is reported on stderr as an error and the command still succeeds.
 */
export async function auditCli(
  storage: Pick<Storage, 'audit'>,
  stderr: (s: string) => void,
  e: CliAuditEntry,
): Promise<void> {
  try {
    await recordAudit(storage as Storage, { ...e, actor: cliActor(), now: systemClock.now() });
  } catch (err) {
    stderr(
      `passkeyd: error: done, but the audit trail could not record it (${e.type}): ${
        err instanceof Error ? err.message : String(err)
      }\n`,
    );
  }
}

export const EVENTS_EXPORT_HELP = `Usage: passkeyd events export [--app APP_ID] [--type TYPE] [--from ISO] [--to ISO] [--audit] [--passkey-events]

Writes JSON lines to standard output (docs/audit.md, "Export"), each with "source":
  --audit            the admin audit trail (the default): instance-wide, oldest first
  --passkey-events   the apps' passkey events (sign-ins, registrations, revokes…), app by app
Give both for both, the audit trail first.

Options:
  --app APP_ID   only this app's entries (an audit entry of no app is then left out)
  --type TYPE    only this type (admin.app.created, passkey_login, …)
  --from ISO     from this time on (inclusive), e.g. 2026-11-01T00:00:00Z
  --to ISO       before this time (exclusive)`;

export const EVENTS_EXPORT_OPTIONS = {
  type: { type: 'string' },
  to: { type: 'string' },
  audit: { type: 'boolean' },
  // Not `--events`: `webhook create --events a,b` takes a list (issue 15), and the CLI's options
  // are one table.
  'passkey-events': { type: 'boolean' },
} as const;

/** `passkeyd events export`. */
export async function runEventsExport(
  v: {
    app?: string | undefined;
    type?: string | undefined;
    from?: string | undefined;
    to?: string | undefined;
    audit?: boolean | undefined;
    'passkey-events'?: boolean | undefined;
  },
  ctx: {
    stdout: (s: string) => void;
    stderr: (s: string) => void;
    withStorage: <T>(fn: (s: Storage) => Promise<T>) => Promise<T>;
    usage: (m: string) => Error;
  },
): Promise<number> {
  const time = (value: string | undefined, flag: string) => {
    if (value === undefined) return undefined;
    const ms = Date.parse(value);
    if (!Number.isFinite(ms)) throw ctx.usage(`${flag} must be an ISO 8601 time`);
    return ms;
  };
  const from = time(v.from, '--from');
  const to = time(v.to, '--to');
  const filter: AuditFilter = {
    ...(v.app !== undefined ? { appId: v.app } : {}),
    ...(v.type !== undefined ? { type: v.type } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
  };
  const audit = v.audit === true || v['passkey-events'] !== true;
  let lines = 0;
  await ctx.withStorage(async (storage) => {
    if (audit) {
      for await (const line of exportAudit(storage, filter)) {
        ctx.stdout(line);
        lines++;
      }
    }
    if (v['passkey-events'] === true) {
      for await (const line of exportEvents(storage, filter, systemClock.now())) {
        ctx.stdout(line);
        lines++;
      }
    }
  });
  ctx.stderr(`exported ${lines} lines\n`);
  return 0;
}
