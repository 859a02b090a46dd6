import type { WebhookDelivery, WebhookEndpoint } from '../domain/webhooks/types.js';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

/** An endpoint as the admin API and CLI show it: never its secrets. */
export function webhookEndpointToWire(e: WebhookEndpoint) {
  return {
    id: e.id,
    app_id: e.appId,
    url: e.url,
    description: e.description,
    event_types: e.eventTypes,
    enabled: e.enabled,
    disabled_reason: e.disabledReason,
    consecutive_failures: e.consecutiveFailures,
    previous_secret_expires_at: isoOrNull(e.previousSecretExpiresAt),
    created_at: iso(e.createdAt),
    updated_at: iso(e.updatedAt),
  };
}

export function webhookDeliveryToWire(d: WebhookDelivery) {
  return {
    id: d.id,
    endpoint_id: d.endpointId,
    event_type: d.eventType,
    source: d.source,
    source_id: d.sourceId,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: iso(d.nextAttemptAt),
    last_attempt_at: isoOrNull(d.lastAttemptAt),
    last_status_code: d.lastStatusCode,
    last_latency_ms: d.lastLatencyMs,
    last_error: d.lastError,
    last_response_excerpt: d.lastResponseExcerpt,
    delivered_at: isoOrNull(d.deliveredAt),
    created_at: iso(d.createdAt),
  };
}
