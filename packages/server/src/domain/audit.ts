import { newEventId } from './events.js';
import type { ImportReport } from './portability/format.js';
import type { Storage } from './ports.js';
import type { RequestMeta } from './types.js';

/**
 * The audit entry types (issue 15's shared design): each is already the public name webhooks
 * deliver it under. `import.completed` and `webhook.endpoint_disabled` are not admin-prefixed:
 * the first is the issue's own name, the second is written by the dispatcher (actor `system`).
 */
export const AUDIT_TYPES = [
  'admin.app.created',
  'admin.app.updated',
  'admin.app.deleted',
  'admin.api_key.created',
  'admin.api_key.revoked',
  'admin.user.deleted',
  'admin.passkey.revoked',
  'admin.console.signed_in',
  'admin.console.signed_out',
  'admin.console.sessions_ended',
  'admin.webhook.created',
  'admin.webhook.updated',
  'admin.webhook.deleted',
  'admin.webhook.secret_rotated',
  'admin.webhook.redelivered',
  'admin.mds.imported',
  'admin.settings.reloaded',
  'import.completed',
  'webhook.endpoint_disabled',
] as const;
export type AuditType = (typeof AUDIT_TYPES)[number];

/** The actor of a console session: a prefix of the session id's stored SHA-256, not the id. */
export const consoleActor = (sessionIdHash: string) => `console:${sessionIdHash.slice(0, 16)}`;

/** The actor of an admin bearer token: a prefix of its fingerprint (http/auth/tokens.ts). */
export const tokenActor = (fingerprint: string) => `token:${fingerprint.slice(0, 16)}`;

// A field is dropped when its name says it holds a secret, whatever its value, and a string is
// dropped when it has the shape of one of our secrets, whatever its field is called: an API key
// pasted into an app's name must not end up in the trail (or in every webhook it is sent to).
const SECRET_FIELD = /token|secret|password|passphrase|api_?key|(^|_)key$/i;
const SECRET_VALUE = /^(pkd_[A-Za-z0-9_-]{8}_|whsec_)/;

/**
 * A URL's password and query values are where capability URLs keep their secret
 * (`https://user:pw@…`, `…?token=…`): a webhook URL is recorded without them.
 */
function withoutUrlSecrets(value: string): string {
  if (!/^https?:\/\//i.test(value)) return value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return value;
  }
  if (!url.password && !url.search) return value;
  if (url.password) url.password = 'redacted';
  for (const k of [...new Set(url.searchParams.keys())]) url.searchParams.set(k, 'redacted');
  return url.toString();
}

/** A copy of `value` without secret-like fields or values, for `change`. */
export function withoutSecrets(value: unknown): unknown {
  if (typeof value === 'string') return withoutUrlSecrets(value);
  if (Array.isArray(value)) {
    return value
      .filter((v) => !(typeof v === 'string' && SECRET_VALUE.test(v)))
      .map((v) => withoutSecrets(v));
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (SECRET_FIELD.test(k) || (typeof v === 'string' && SECRET_VALUE.test(v))) continue;
      out[k] = withoutSecrets(v);
    }
    return out;
  }
  return value;
}

/** What `import.completed` says about an import, from its report (HTTP and CLI alike). */
export function importAuditChange(r: ImportReport, source: string) {
  return {
    source,
    records: r.records,
    imported: r.credentials_imported,
    skipped: r.credentials_skipped,
    failed: r.credentials_invalid + r.records_invalid,
    users_created: r.users_created,
  };
}

/**
 * Records one admin action in the audit trail (issue 15 item 7). `actor` is a non-secret id:
 * `token:<fingerprint>` for an admin token, `console:<session fingerprint>` for a console
 * session, `cli:<os user>` for the CLI, `signal` for a reload. `change` loses any secret-like
 * field here, whatever the caller passed.
 */
export async function recordAudit(
  storage: Storage,
  e: {
    appId: string | null;
    type: AuditType;
    actor: string;
    target?: string | null;
    change?: unknown;
    meta?: RequestMeta;
    now: number;
  },
): Promise<void> {
  await storage.audit.record({
    id: newEventId(e.now).replace(/^evt_/, 'aud_'),
    appId: e.appId,
    type: e.type,
    actor: e.actor,
    ipAddr: e.meta?.ip ?? null,
    userAgent: e.meta?.userAgent?.slice(0, 512) ?? null,
    target: e.target ?? null,
    change: e.change === undefined ? null : withoutSecrets(e.change),
    createdAt: e.now,
  });
}
