import type { AuditFilter, Storage } from './ports.js';
import type { AuditEntry, EventType } from './types.js';

// A record, so the compiler says so when an event type is added and not listed here.
const IS_EVENT_TYPE: Record<EventType, true> = {
  passkey_register: true,
  passkey_register_refused: true,
  passkey_login: true,
  passkey_login_failed: true,
  passkey_revoke: true,
  passkey_rename: true,
  counter_regression: true,
  backup_eligibility_changed: true,
  user_delete: true,
};

const PAGE = 500;
const iso = (ms: number) => new Date(ms).toISOString();

/** An audit entry as the admin API, the console and the exports show it. */
export function auditEntryToJson(e: AuditEntry) {
  return {
    id: e.id,
    app_id: e.appId,
    type: e.type,
    actor: e.actor,
    ip_addr: e.ipAddr,
    user_agent: e.userAgent,
    target: e.target,
    change: e.change,
    created_at: iso(e.createdAt),
  };
}

/**
 * The audit trail as JSON lines, oldest first, each line marked `"source":"audit"`. Keyset pages
 * (storage `pageAfter`): memory stays flat, and an entry written during the export is either in
 * it once or not at all.
 */
export async function* exportAudit(
  storage: Pick<Storage, 'audit'>,
  filter: AuditFilter,
): AsyncGenerator<string> {
  let after: { createdAt: number; id: string } | null = null;
  for (;;) {
    const page = await storage.audit.pageAfter(filter, after, PAGE);
    for (const e of page) yield `${JSON.stringify({ source: 'audit', ...auditEntryToJson(e) })}\n`;
    if (page.length < PAGE) return;
    const last = page[page.length - 1]!;
    after = { createdAt: last.createdAt, id: last.id };
  }
}

/**
 * Apps' passkey events as JSON lines (`"source":"event"`), app by app, newest first within an
 * app. The upper bound is fixed when the export starts, so events written meanwhile cannot
 * shift the offset pages under it.
 */
export async function* exportEvents(
  storage: Pick<Storage, 'apps' | 'adminQueries'>,
  filter: { appId?: string; type?: string; from?: number; to?: number },
  now: number,
): AsyncGenerator<string> {
  // A type that is no event type (an audit type) selects no event.
  if (filter.type !== undefined && !Object.hasOwn(IS_EVENT_TYPE, filter.type)) return;
  const appIds =
    filter.appId !== undefined ? [filter.appId] : (await storage.apps.list()).map((a) => a.id);
  const to = Math.min(filter.to ?? Infinity, now + 1);
  for (const appId of appIds) {
    for (let offset = 0; ; offset += PAGE) {
      const { events } = await storage.adminQueries.listEvents(appId, {
        limit: PAGE,
        offset,
        to,
        ...(filter.type !== undefined ? { types: [filter.type as EventType] } : {}),
        ...(filter.from !== undefined ? { from: filter.from } : {}),
      });
      for (const e of events) {
        const line = {
          source: 'event',
          id: e.id,
          app_id: e.appId,
          type: e.type,
          user_id: e.userId,
          external_id: e.externalId,
          device_id: e.credentialId,
          ip_addr: e.ipAddr,
          user_agent: e.userAgent,
          detail: e.detail,
          created_at: iso(e.createdAt),
        };
        yield `${JSON.stringify(line)}\n`;
      }
      if (events.length < PAGE) break;
    }
  }
}
