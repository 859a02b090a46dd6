import type { Storage } from './ports.js';
import { newId } from './secrets.js';
import type { EventType, RequestMeta } from './types.js';

export async function recordEvent(
  storage: Storage,
  e: { appId: string; userId: string | null; type: EventType; credentialId?: string | null; detail?: string | null; meta?: RequestMeta; now: number },
): Promise<void> {
  await storage.events.record({
    id: newId('evt'),
    appId: e.appId,
    userId: e.userId,
    type: e.type,
    credentialId: e.credentialId ?? null,
    ipAddr: e.meta?.ip ?? null,
    userAgent: e.meta?.userAgent?.slice(0, 512) ?? null,
    detail: e.detail ?? null,
    createdAt: e.now,
  });
}
