import type { AuditEntry, UserEvent } from '../types.js';

/** Where a delivery's payload comes from (migration 012's `source` column). */
export type DeliverySourceKind = 'event' | 'audit' | 'test';

/** A delivery leased to this node for one attempt (Storage.webhookQueue.claim). */
export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  appId: string;
  source: DeliverySourceKind;
  /** The event or audit row id (or, for a test, the delivery's own id): `webhook-id` is msg_<it>. */
  sourceId: string;
  /** The public event name (passkey.authenticated, admin.app.created, webhook.test, …). */
  eventType: string;
  /** Attempts made before this one. */
  attempts: number;
  createdAt: number;
}

/** What one claim (Storage.webhookQueue.claim) found, in the claim's own round trip. */
export interface ClaimResult {
  claimed: ClaimedDelivery[];
  /**
   * Whether the database has any enabled endpoint at all, whatever was due. false means nothing
   * can become due until one is created or enabled (deliveries are made only for enabled
   * endpoints, and those of disabled ones are not claimed): the dispatcher stops claiming on
   * wake-ups until a poll sees one (dispatcher.ts).
   */
  enabledEndpoints: boolean;
}

/** What the dispatcher needs of an endpoint to send to it. */
export interface WebhookTarget {
  id: string;
  appId: string;
  url: string;
  secret: string;
  /** The secret before the last rotation, still signed with until previousSecretExpiresAt. */
  previousSecret: string | null;
  previousSecretExpiresAt: number | null;
}

/** The row a delivery reports on. */
export type DeliverySource =
  | { kind: 'event'; event: UserEvent }
  | { kind: 'audit'; entry: AuditEntry }
  | { kind: 'test'; createdAt: number };

/** The result of one attempt, as the delivery row keeps it. */
export interface AttemptOutcome {
  /** delivered (2xx), pending (a retry is scheduled) or failed (no retries left, or undeliverable). */
  status: 'delivered' | 'pending' | 'failed';
  attemptAt: number;
  /** When the next attempt is due (pending only). */
  nextAttemptAt?: number;
  statusCode: number | null;
  latencyMs: number | null;
  /** Why the attempt failed, without secrets (timeout, refused address, HTTP 500, …). */
  error: string | null;
  /** The first characters of the response body, at most 256. */
  responseExcerpt: string | null;
}
