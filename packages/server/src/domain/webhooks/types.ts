/** A webhook endpoint of an app (migration 012). Secrets stay in the domain: presenters drop them. */
export interface WebhookEndpoint {
  id: string;
  appId: string;
  url: string;
  description: string | null;
  /** Public names (event-types.ts); empty: every app-scoped type. */
  eventTypes: string[];
  enabled: boolean;
  /** Why the dispatcher disabled it; null when enabled or disabled by an operator. */
  disabledReason: string | null;
  consecutiveFailures: number;
  /** `whsec_` + base64 of 32 random bytes (the standardwebhooks format), stored as is. */
  secret: string;
  /** The secret before the last rotation, still signing until previousSecretExpiresAt. */
  previousSecret: string | null;
  previousSecretExpiresAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';
export const WEBHOOK_DELIVERY_STATUSES: readonly WebhookDeliveryStatus[] = [
  'pending',
  'delivered',
  'failed',
];

/** One message to one endpoint: made by the fan-out triggers (outbox) or by `send test`. */
export interface WebhookDelivery {
  id: string;
  endpointId: string;
  appId: string;
  source: 'event' | 'audit' | 'test';
  /** The events or audit_log row id (the test delivery's own id for tests). */
  sourceId: string;
  eventType: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  lastAttemptAt: number | null;
  lastStatusCode: number | null;
  lastLatencyMs: number | null;
  lastError: string | null;
  lastResponseExcerpt: string | null;
  deliveredAt: number | null;
  createdAt: number;
}

/** What an operator may change on an endpoint; absent fields stay. */
export interface WebhookEndpointPatch {
  url?: string;
  description?: string | null;
  eventTypes?: string[];
  enabled?: boolean;
  disabledReason?: string | null;
  consecutiveFailures?: number;
  updatedAt: number;
}

export interface WebhookDeliveryQuery {
  status?: WebhookDeliveryStatus;
  limit: number;
  offset: number;
}
