import { randomUUID } from 'node:crypto';
import type { App } from '../domain/types.js';

/**
 * An App as storage holds it, with the defaults a new app gets (domain/apps/apps.ts), for tests
 * that write apps through the storage port directly. `over` sets what the test cares about.
 */
export function appRecord(over: Partial<App> = {}): App {
  const now = over.createdAt ?? Date.now();
  return {
    id: `app_${randomUUID().replaceAll('-', '')}`,
    name: 'Test app',
    rpId: 'example.com',
    rpName: 'Example',
    origins: ['https://example.com'],
    relatedOrigins: [],
    userVerification: 'preferred',
    authenticatorAttachment: null,
    ceremonyTimeoutMs: 300_000,
    transactionTtlSeconds: null,
    hints: [],
    preventLastPasskeyRemoval: false,
    attestation: 'none',
    aaguidPolicy: 'any',
    aaguids: [],
    requireFidoCertified: false,
    createdAt: now,
    updatedAt: now,
    ...over,
  };
}
