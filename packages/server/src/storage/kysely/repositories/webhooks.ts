import type { Kysely, Selectable } from 'kysely';
import type { Storage } from '../../../domain/ports.js';
import type {
  WebhookDelivery,
  WebhookDeliveryStatus,
  WebhookEndpoint,
} from '../../../domain/webhooks/types.js';
import type { Database, WebhookDeliveriesTable, WebhookEndpointsTable } from '../schema.js';
import type { RepoContext } from './context.js';

// PostgreSQL returns int8 as a string unless told otherwise; Number() keeps both engines equal.
const nn = (v: number | string | null): number | null => (v === null ? null : Number(v));

function endpointFromRow(r: Selectable<WebhookEndpointsTable>): WebhookEndpoint {
  return {
    id: r.id,
    appId: r.app_id,
    url: r.url,
    description: r.description,
    eventTypes: JSON.parse(r.event_types) as string[],
    enabled: Number(r.enabled) === 1,
    disabledReason: r.disabled_reason,
    consecutiveFailures: Number(r.consecutive_failures),
    secret: r.secret,
    previousSecret: r.previous_secret,
    previousSecretExpiresAt: nn(r.previous_secret_expires_at),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function deliveryFromRow(r: Selectable<WebhookDeliveriesTable>): WebhookDelivery {
  return {
    id: r.id,
    endpointId: r.endpoint_id,
    appId: r.app_id,
    source: r.source as WebhookDelivery['source'],
    sourceId: r.source_id,
    eventType: r.event_type,
    status: r.status as WebhookDeliveryStatus,
    attempts: Number(r.attempts),
    nextAttemptAt: Number(r.next_attempt_at),
    lastAttemptAt: nn(r.last_attempt_at),
    lastStatusCode: nn(r.last_status_code),
    lastLatencyMs: nn(r.last_latency_ms),
    lastError: r.last_error,
    lastResponseExcerpt: r.last_response_excerpt,
    deliveredAt: nn(r.delivered_at),
    createdAt: Number(r.created_at),
  };
}

/** Webhook endpoints (migration 012) and the operator's view of their deliveries. */
export function webhooksRepository(ctx: RepoContext): Storage['webhooks'] {
  const getEndpoint = async (appId: string, id: string) => {
    const r = await ctx.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('app_id', '=', appId)
      .where('id', '=', id)
      .executeTakeFirst();
    return r && endpointFromRow(r);
  };
  const getDelivery = async (appId: string, id: string) => {
    const r = await ctx.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('app_id', '=', appId)
      .where('id', '=', id)
      .executeTakeFirst();
    return r && deliveryFromRow(r);
  };
  return {
    create: async (e, maxPerApp) => {
      const run = async (db: Kysely<Database>) => {
        // A no-op write to the app's row takes its row lock (PostgreSQL; SQLite has one writer
        // anyway): a concurrent creation waits here, then counts this one.
        await db
          .updateTable('apps')
          .set((eb) => ({ updated_at: eb.ref('updated_at') }))
          .where('id', '=', e.appId)
          .execute();
        const { n } = await db
          .selectFrom('webhook_endpoints')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('app_id', '=', e.appId)
          .executeTakeFirstOrThrow();
        if (Number(n) >= maxPerApp) return false;
        await db
          .insertInto('webhook_endpoints')
          .values({
            id: e.id,
            app_id: e.appId,
            url: e.url,
            description: e.description,
            event_types: JSON.stringify(e.eventTypes),
            enabled: e.enabled ? 1 : 0,
            disabled_reason: e.disabledReason,
            consecutive_failures: e.consecutiveFailures,
            secret: e.secret,
            previous_secret: e.previousSecret,
            previous_secret_expires_at: e.previousSecretExpiresAt,
            created_at: e.createdAt,
            updated_at: e.updatedAt,
          })
          .execute();
        return true;
      };
      return ctx.inTransaction ? run(ctx.db) : ctx.db.transaction().execute(run);
    },
    list: async (appId) => {
      const rs = await ctx.db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('app_id', '=', appId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rs.map(endpointFromRow);
    },
    get: getEndpoint,
    update: async (appId, id, p) => {
      const r = await ctx.db
        .updateTable('webhook_endpoints')
        .set({
          ...(p.url !== undefined ? { url: p.url } : {}),
          ...(p.description !== undefined ? { description: p.description } : {}),
          ...(p.eventTypes !== undefined ? { event_types: JSON.stringify(p.eventTypes) } : {}),
          ...(p.enabled !== undefined ? { enabled: p.enabled ? 1 : 0 } : {}),
          ...(p.disabledReason !== undefined ? { disabled_reason: p.disabledReason } : {}),
          ...(p.consecutiveFailures !== undefined
            ? { consecutive_failures: p.consecutiveFailures }
            : {}),
          updated_at: p.updatedAt,
        })
        .where('app_id', '=', appId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0 ? getEndpoint(appId, id) : undefined;
    },
    delete: async (appId, id) => {
      const r = await ctx.db
        .deleteFrom('webhook_endpoints')
        .where('app_id', '=', appId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    rotateSecret: async (appId, id, rot) => {
      // SET expressions read the row as it was before the statement on both engines, so
      // previous_secret gets the secret being replaced.
      const r = await ctx.db
        .updateTable('webhook_endpoints')
        .set((eb) => ({
          previous_secret: rot.previousSecretExpiresAt === null ? null : eb.ref('secret'),
          previous_secret_expires_at: rot.previousSecretExpiresAt,
          secret: rot.secret,
          updated_at: rot.now,
        }))
        .where('app_id', '=', appId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0 ? getEndpoint(appId, id) : undefined;
    },
    insertDelivery: async (d) => {
      await ctx.db
        .insertInto('webhook_deliveries')
        .values({
          id: d.id,
          endpoint_id: d.endpointId,
          app_id: d.appId,
          source: d.source,
          source_id: d.sourceId,
          event_type: d.eventType,
          status: d.status,
          attempts: d.attempts,
          next_attempt_at: d.nextAttemptAt,
          last_attempt_at: d.lastAttemptAt,
          last_status_code: d.lastStatusCode,
          last_latency_ms: d.lastLatencyMs,
          last_error: d.lastError,
          last_response_excerpt: d.lastResponseExcerpt,
          delivered_at: d.deliveredAt,
          created_at: d.createdAt,
        })
        .execute();
    },
    getDelivery,
    listDeliveries: async (appId, endpointId, q) => {
      let base = ctx.db
        .selectFrom('webhook_deliveries')
        .where('app_id', '=', appId)
        .where('endpoint_id', '=', endpointId);
      if (q.status !== undefined) base = base.where('status', '=', q.status);
      const [rs, count] = await Promise.all([
        base
          .selectAll()
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(q.limit)
          .offset(q.offset)
          .execute(),
        base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
      ]);
      return { deliveries: rs.map(deliveryFromRow), total: Number(count.n) };
    },
    redeliver: async (appId, id, now) => {
      const r = await ctx.db
        .updateTable('webhook_deliveries')
        .set({
          status: 'pending',
          attempts: 0,
          next_attempt_at: now,
          lease_until: null,
          leased_by: null,
          delivered_at: null,
        })
        .where('app_id', '=', appId)
        .where('id', '=', id)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0 ? getDelivery(appId, id) : undefined;
    },
  };
}
