import type { EventOrigin, Storage } from './ports.js';
import { randomToken } from './secrets.js';
import type { EventType, RequestMeta } from './types.js';

let lastMs = 0;
let seq = 0;

/**
 * Event ids sort by creation: 12 hex digits of epoch ms, a 4-digit per-process sequence for
 * events in the same millisecond, then randomness so ids from several nodes never collide.
 */
export function newEventId(now: number): string {
  if (now === lastMs) seq = (seq + 1) & 0xffff;
  else {
    lastMs = now;
    seq = 0;
  }
  return `evt_${Math.max(0, now).toString(16).padStart(12, '0')}${seq.toString(16).padStart(4, '0')}${randomToken(9)}`;
}

export async function recordEvent(
  storage: Storage,
  e: {
    appId: string;
    userId: string | null;
    type: EventType;
    credentialId?: string | null;
    /** The user's external id, when known: a webhook payload names the user by it. */
    externalId?: string | null;
    detail?: string | null;
    meta?: RequestMeta;
    now: number;
  },
): Promise<void> {
  await storage.events.record({
    id: newEventId(e.now),
    appId: e.appId,
    userId: e.userId,
    type: e.type,
    credentialId: e.credentialId ?? null,
    ipAddr: e.meta?.ip ?? null,
    userAgent: e.meta?.userAgent?.slice(0, 512) ?? null,
    detail: e.detail ?? null,
    externalId: e.externalId ?? null,
    createdAt: e.now,
  });
}

/** The event row a ceremony statement writes itself (storage.ceremonies): its id and origin. */
export function eventOrigin(now: number, meta: RequestMeta | undefined): EventOrigin {
  return {
    id: newEventId(now),
    ipAddr: meta?.ip ?? null,
    userAgent: meta?.userAgent?.slice(0, 512) ?? null,
  };
}
