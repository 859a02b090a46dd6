import { call } from './api.js';

/** The webhook management part of the admin API (docs/webhooks.md), as the console uses it. */

export interface WebhookEndpoint {
  id: string;
  app_id: string;
  url: string;
  description: string | null;
  /** Empty: every app-scoped event type. */
  event_types: string[];
  enabled: boolean;
  disabled_reason: string | null;
  consecutive_failures: number;
  previous_secret_expires_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface WebhookDelivery {
  id: string;
  endpoint_id: string;
  event_type: string;
  source: 'event' | 'audit' | 'test';
  source_id: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: string;
  last_attempt_at: string | null;
  last_status_code: number | null;
  last_latency_ms: number | null;
  last_error: string | null;
  last_response_excerpt: string | null;
  delivered_at: string | null;
  created_at: string;
}

/**
 * The public event types an endpoint can subscribe to, as the server names them
 * (packages/server/src/domain/webhooks/event-types.ts; a server test keeps the two lists equal).
 */
export const EVENT_TYPE_GROUPS: { label: string; types: string[] }[] = [
  {
    label: 'Passkeys and users',
    types: [
      'passkey.registered',
      'passkey.registration_refused',
      'passkey.authenticated',
      'passkey.authentication_failed',
      'passkey.renamed',
      'passkey.revoked',
      'passkey.counter_regression',
      'passkey.backup_eligibility_changed',
      'user.deleted',
      'import.completed',
    ],
  },
  {
    label: 'Admin actions on this app',
    types: [
      'admin.app.created',
      'admin.app.updated',
      'admin.app.deleted',
      'admin.api_key.created',
      'admin.api_key.revoked',
      'admin.user.deleted',
      'admin.passkey.revoked',
      'admin.webhook.created',
      'admin.webhook.updated',
      'admin.webhook.deleted',
      'admin.webhook.secret_rotated',
      'admin.webhook.redelivered',
      'webhook.endpoint_disabled',
    ],
  },
  {
    label: 'Instance-wide (sent only when chosen here)',
    types: [
      'admin.console.signed_in',
      'admin.console.signed_out',
      'admin.console.sessions_ended',
      'admin.mds.imported',
      'admin.settings.reloaded',
    ],
  },
];

const base = (appId: string) => `/v1/admin/apps/${encodeURIComponent(appId)}`;
const one = (appId: string, id: string) => `${base(appId)}/webhooks/${encodeURIComponent(id)}`;

export const webhooksApi = {
  list: async (appId: string) =>
    (await call<{ endpoints: WebhookEndpoint[] }>('GET', `${base(appId)}/webhooks`)).endpoints,
  create: (appId: string, body: { url: string; event_types: string[]; description?: string }) =>
    call<WebhookEndpoint & { secret: string }>('POST', `${base(appId)}/webhooks`, body),
  update: async (
    appId: string,
    id: string,
    patch: Partial<Pick<WebhookEndpoint, 'url' | 'event_types' | 'description' | 'enabled'>>,
  ) => (await call<{ endpoint: WebhookEndpoint }>('PATCH', one(appId, id), patch)).endpoint,
  remove: (appId: string, id: string) => call<void>('DELETE', one(appId, id)),
  rotateSecret: (appId: string, id: string, graceHours: number) =>
    call<{ secret: string; previous_secret_expires_at: string | null }>(
      'POST',
      `${one(appId, id)}/rotate-secret`,
      { grace_hours: graceHours },
    ),
  test: (appId: string, id: string) =>
    call<{ delivery_id: string }>('POST', `${one(appId, id)}/test`),
  deliveries: (appId: string, id: string, limit = 20) =>
    call<{ deliveries: WebhookDelivery[]; total: number }>(
      'GET',
      `${one(appId, id)}/deliveries?limit=${limit}`,
    ),
  redeliver: (appId: string, deliveryId: string) =>
    call<{ delivery: WebhookDelivery }>(
      'POST',
      `${base(appId)}/webhook-deliveries/${encodeURIComponent(deliveryId)}/redeliver`,
    ),
};
