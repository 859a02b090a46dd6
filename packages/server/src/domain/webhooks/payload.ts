import type { ClaimedDelivery, DeliverySource } from './queue-types.js';

/** The JSON body of a delivery (docs/webhooks-delivery.md lists each type's `data`). */
export interface WebhookPayload {
  type: string;
  /** When the reported thing happened (not when this attempt is made), ISO 8601. */
  timestamp: string;
  data: Record<string, unknown>;
}

/** The Standard Webhooks message id: the source row's id, so retries and endpoints share it. */
export const messageId = (d: ClaimedDelivery): string => `msg_${d.sourceId}`;

/** Builds the body from the row the delivery reports on; null values are kept, not dropped. */
export function buildPayload(d: ClaimedDelivery, source: DeliverySource): WebhookPayload {
  switch (source.kind) {
    case 'event': {
      const e = source.event;
      return {
        type: d.eventType,
        timestamp: new Date(e.createdAt).toISOString(),
        data: {
          app_id: e.appId,
          event_id: e.id,
          user_id: e.userId,
          external_id: e.externalId ?? null,
          passkey_id: e.credentialId,
          ip_address: e.ipAddr,
          user_agent: e.userAgent,
          detail: e.detail,
        },
      };
    }
    case 'audit': {
      const a = source.entry;
      return {
        type: d.eventType,
        timestamp: new Date(a.createdAt).toISOString(),
        data: {
          app_id: a.appId,
          audit_id: a.id,
          actor: a.actor,
          ip_address: a.ipAddr,
          user_agent: a.userAgent,
          target: a.target,
          change: a.change ?? null,
        },
      };
    }
    case 'test':
      return {
        type: 'webhook.test',
        timestamp: new Date(source.createdAt).toISOString(),
        data: { app_id: d.appId, endpoint_id: d.endpointId, message: 'passkeyd webhook test' },
      };
  }
}
