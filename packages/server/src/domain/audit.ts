import { newEventId } from './events.js';
import type { Storage } from './ports.js';
import type { RequestMeta } from './types.js';

/**
 * Records one admin action in the audit trail (issue 15 item 7). `actor` is a non-secret id:
 * `token:<fingerprint>` for an admin token, `console:<session fingerprint>` for a console
 * session, `cli:<os user>` for the CLI. `change` must hold no secret.
 */
export async function recordAudit(
  storage: Storage,
  e: {
    appId: string | null;
    type: string;
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
    change: e.change ?? null,
    createdAt: e.now,
  });
}
