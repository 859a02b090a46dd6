import { randomBytes } from 'node:crypto';
import { getApp } from '../apps/apps.js';
import { PasskeydError } from '../errors.js';
import type { Clock, Storage } from '../ports.js';
import { isIdOf, newId } from '../secrets.js';
import { isWebhookEventType, WEBHOOK_TEST_TYPE } from './event-types.js';
import type {
  WebhookDelivery,
  WebhookDeliveryQuery,
  WebhookEndpoint,
  WebhookEndpointPatch,
} from './types.js';
import { validateWebhookUrl } from './webhook-url.js';

export interface WebhookDeps {
  storage: Storage;
  clock: Clock;
  /** PASSKEYD_WEBHOOK_ALLOW_PRIVATE: http:// and private addresses allowed (tests, labs). */
  allowPrivate: boolean;
}

export const MAX_DESCRIPTION_LENGTH = 500;
/** Endpoints per app: keeps the list (and the fan-out of every event) bounded. */
export const MAX_ENDPOINTS_PER_APP = 20;
/** Default and bounds of the rotation grace period, in hours. */
export const DEFAULT_GRACE_HOURS = 24;
export const MAX_GRACE_HOURS = 168;
const HOUR = 3_600_000;

/** The standardwebhooks package's secret format: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Delivery ids, like the ones migration 012's triggers make: `whd_` + 32 hex digits. */
export function newDeliveryId(): string {
  return `whd_${randomBytes(16).toString('hex')}`;
}

const DELIVERY_ID = /^whd_[0-9a-f]{32}$/;

/** Known public names, without duplicates, in the order given. */
export function validateEventTypes(types: readonly string[]): string[] {
  for (const t of types) {
    if (typeof t !== 'string' || !isWebhookEventType(t))
      throw new PasskeydError(
        'unknown_event_type',
        `Unknown event type ${JSON.stringify(String(t)).slice(0, 120)}: docs/webhooks.md lists the types passkeyd sends.`,
        { details: { event_type: t } },
      );
  }
  return [...new Set(types)];
}

function validateDescription(d: string | null | undefined): string | null {
  if (d === undefined || d === null) return null;
  const t = d.trim();
  if (t.length > MAX_DESCRIPTION_LENGTH)
    throw new PasskeydError(
      'invalid_request',
      `description must be at most ${MAX_DESCRIPTION_LENGTH} characters.`,
    );
  return t === '' ? null : t;
}

/** Creates an endpoint with a fresh signing secret, returned here and never again. */
export async function createWebhookEndpoint(
  appId: string,
  input: { url: string; eventTypes?: string[]; description?: string | null; enabled?: boolean },
  deps: WebhookDeps,
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  await getApp(deps.storage, appId);
  const url = validateWebhookUrl(input.url, deps);
  const now = deps.clock.now();
  const endpoint: WebhookEndpoint = {
    id: newId('whe'),
    appId,
    url,
    description: validateDescription(input.description),
    eventTypes: validateEventTypes(input.eventTypes ?? []),
    enabled: input.enabled ?? true,
    disabledReason: null,
    consecutiveFailures: 0,
    secret: newWebhookSecret(),
    previousSecret: null,
    previousSecretExpiresAt: null,
    createdAt: now,
    updatedAt: now,
  };
  if (!(await deps.storage.webhooks.create(endpoint, MAX_ENDPOINTS_PER_APP)))
    throw new PasskeydError('webhook_limit_reached');
  return { endpoint, secret: endpoint.secret };
}

export async function listWebhookEndpoints(
  storage: Storage,
  appId: string,
): Promise<WebhookEndpoint[]> {
  await getApp(storage, appId);
  return storage.webhooks.list(appId);
}

export async function getWebhookEndpoint(
  storage: Storage,
  appId: string,
  endpointId: string,
): Promise<WebhookEndpoint> {
  await getApp(storage, appId);
  // An id not of newId's shape names no row: answered without a query (secrets.ts isIdOf).
  const e = isIdOf('whe', endpointId) ? await storage.webhooks.get(appId, endpointId) : undefined;
  if (!e) throw new PasskeydError('webhook_not_found');
  return e;
}

/**
 * Changes the given fields. Re-enabling clears what the dispatcher recorded when it disabled
 * the endpoint (its reason and failure streak), so the next failure does not disable it at once.
 */
export async function updateWebhookEndpoint(
  appId: string,
  endpointId: string,
  input: { url?: string; eventTypes?: string[]; description?: string | null; enabled?: boolean },
  deps: WebhookDeps,
): Promise<WebhookEndpoint> {
  await getWebhookEndpoint(deps.storage, appId, endpointId);
  const patch: WebhookEndpointPatch = { updatedAt: deps.clock.now() };
  if (input.url !== undefined) patch.url = validateWebhookUrl(input.url, deps);
  if (input.eventTypes !== undefined) patch.eventTypes = validateEventTypes(input.eventTypes);
  if (input.description !== undefined) patch.description = validateDescription(input.description);
  if (input.enabled !== undefined) {
    patch.enabled = input.enabled;
    if (input.enabled) {
      patch.disabledReason = null;
      patch.consecutiveFailures = 0;
    }
  }
  const updated = await deps.storage.webhooks.update(appId, endpointId, patch);
  if (!updated) throw new PasskeydError('webhook_not_found');
  return updated;
}

/** Deletes the endpoint and its deliveries, pending ones included. */
export async function deleteWebhookEndpoint(
  appId: string,
  endpointId: string,
  deps: { storage: Storage },
): Promise<void> {
  await getWebhookEndpoint(deps.storage, appId, endpointId);
  if (!(await deps.storage.webhooks.delete(appId, endpointId)))
    throw new PasskeydError('webhook_not_found');
}

/**
 * A new signing secret. The old one keeps signing beside it for `graceHours` (default 24, 0 to
 * stop it at once), so receivers can switch without losing a delivery: while both are valid,
 * deliveries carry both signatures.
 */
export async function rotateWebhookSecret(
  appId: string,
  endpointId: string,
  opts: { graceHours?: number },
  deps: Omit<WebhookDeps, 'allowPrivate'>,
): Promise<{ secret: string; previousSecretExpiresAt: number | null; endpoint: WebhookEndpoint }> {
  const grace = opts.graceHours ?? DEFAULT_GRACE_HOURS;
  if (!Number.isInteger(grace) || grace < 0 || grace > MAX_GRACE_HOURS)
    throw new PasskeydError(
      'invalid_request',
      `grace_hours must be an integer from 0 to ${MAX_GRACE_HOURS}.`,
    );
  await getWebhookEndpoint(deps.storage, appId, endpointId);
  const now = deps.clock.now();
  const secret = newWebhookSecret();
  const previousSecretExpiresAt = grace === 0 ? null : now + grace * HOUR;
  const endpoint = await deps.storage.webhooks.rotateSecret(appId, endpointId, {
    secret,
    previousSecretExpiresAt,
    now,
  });
  if (!endpoint) throw new PasskeydError('webhook_not_found');
  return { secret, previousSecretExpiresAt, endpoint };
}

/**
 * Queues a `webhook.test` delivery to this endpoint, due now, whether or not the endpoint is
 * enabled or subscribed to anything: it is how an operator checks a receiver.
 */
export async function sendWebhookTest(
  appId: string,
  endpointId: string,
  deps: Omit<WebhookDeps, 'allowPrivate'>,
): Promise<WebhookDelivery> {
  const endpoint = await getWebhookEndpoint(deps.storage, appId, endpointId);
  const now = deps.clock.now();
  const id = newDeliveryId();
  const delivery: WebhookDelivery = {
    id,
    endpointId: endpoint.id,
    appId,
    source: 'test',
    // A test has no event row; its own id makes its webhook-id unique and stable over retries.
    sourceId: id,
    eventType: WEBHOOK_TEST_TYPE,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: now,
    lastAttemptAt: null,
    lastStatusCode: null,
    lastLatencyMs: null,
    lastError: null,
    lastResponseExcerpt: null,
    deliveredAt: null,
    createdAt: now,
  };
  await deps.storage.webhooks.insertDelivery(delivery);
  return delivery;
}

export async function listWebhookDeliveries(
  storage: Storage,
  appId: string,
  endpointId: string,
  q: WebhookDeliveryQuery,
): Promise<{ deliveries: WebhookDelivery[]; total: number }> {
  await getWebhookEndpoint(storage, appId, endpointId);
  return storage.webhooks.listDeliveries(appId, endpointId, q);
}

/** Sends a delivery again, now, with a fresh retry schedule: for a failed one after a fix. */
export async function redeliverWebhook(
  appId: string,
  deliveryId: string,
  deps: Omit<WebhookDeps, 'allowPrivate'>,
): Promise<WebhookDelivery> {
  await getApp(deps.storage, appId);
  const d = DELIVERY_ID.test(deliveryId)
    ? await deps.storage.webhooks.redeliver(appId, deliveryId, deps.clock.now())
    : undefined;
  if (!d) throw new PasskeydError('delivery_not_found');
  return d;
}
