import type { Kysely } from 'kysely';
import type { Storage } from '../../../domain/ports.js';
import type { EventType } from '../../../domain/types.js';
import type {
  ClaimedDelivery,
  DeliverySource,
  DeliverySourceKind,
  WebhookTarget,
} from '../../../domain/webhooks/queue-types.js';
import type { Database } from '../schema.js';
import type { RepoContext } from './context.js';

const n = (v: number | string | null): number => Number(v);
const truthy = (v: unknown): boolean => v === true || Number(v) === 1;

/** The webhook outbox (migration 012) for the dispatcher: claim with a lease, load, settle. */
export function webhookQueueRepository(ctx: RepoContext): Storage['webhookQueue'] {
  const inTx = <T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> =>
    ctx.inTransaction ? fn(ctx.db) : ctx.db.transaction().execute(fn);

  return {
    claim: async ({ node, now, leaseMs, limit }) => {
      // One UPDATE … WHERE id IN (due rows) … RETURNING. On PostgreSQL the subquery locks the
      // rows it picks and skips rows another node's claim has locked (SKIP LOCKED); a row
      // committed meanwhile by another claim is re-checked against the WHERE (its new lease
      // excludes it), so no two claims get one row. SQLite runs one writer at a time, so the
      // statement is atomic as it is. Only the deliveries' rows are locked (OF d): locking the
      // endpoint too would make concurrent claims skip every delivery of a busy endpoint.
      // Most polls find nothing: a plain read first keeps an idle poll from taking SQLite's
      // write lock (or PostgreSQL row locks) once a second on every node. The same statement
      // says whether any endpoint is enabled at all, which the dispatcher needs to know
      // (ClaimResult), so learning it costs no round trip; and with none enabled the UPDATE is
      // skipped even when deliveries of disabled endpoints are due (they wait, not claimed).
      const probe = await ctx.db
        .selectNoFrom((eb) => [
          eb
            .exists(eb.selectFrom('webhook_endpoints').select('id').where('enabled', '=', 1))
            .as('endpoints'),
          eb
            .exists(
              eb
                .selectFrom('webhook_deliveries as d')
                .select('d.id')
                .where('d.status', '=', 'pending')
                .where('d.next_attempt_at', '<=', now)
                .where((w) =>
                  w.or([w('d.lease_until', 'is', null), w('d.lease_until', '<=', now)]),
                ),
            )
            .as('due'),
        ])
        .executeTakeFirstOrThrow();
      // PostgreSQL answers booleans, SQLite 0 or 1.
      const enabledEndpoints = truthy(probe.endpoints);
      if (!enabledEndpoints || !truthy(probe.due)) return { claimed: [], enabledEndpoints };
      const rs = await ctx.db
        .updateTable('webhook_deliveries')
        .set({ lease_until: now + leaseMs, leased_by: node })
        .where('id', 'in', (eb) => {
          const due = eb
            .selectFrom('webhook_deliveries as d')
            .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
            .select('d.id')
            .where('d.status', '=', 'pending')
            .where('d.next_attempt_at', '<=', now)
            .where((w) => w.or([w('d.lease_until', 'is', null), w('d.lease_until', '<=', now)]))
            .where('e.enabled', '=', 1)
            .orderBy('d.next_attempt_at')
            .limit(limit);
          return ctx.caps.rowLocks ? due.forUpdate('d').skipLocked() : due;
        })
        .returning([
          'id',
          'endpoint_id',
          'app_id',
          'source',
          'source_id',
          'event_type',
          'attempts',
          'created_at',
        ])
        .execute();
      const claimed = rs.map((r): ClaimedDelivery => ({
        id: r.id,
        endpointId: r.endpoint_id,
        appId: r.app_id,
        source: r.source as DeliverySourceKind,
        sourceId: r.source_id,
        eventType: r.event_type,
        attempts: n(r.attempts),
        createdAt: n(r.created_at),
      }));
      return { claimed, enabledEndpoints };
    },

    load: async (claimed) => {
      const targets = new Map<string, WebhookTarget>();
      const sources = new Map<string, DeliverySource>();
      const endpointIds = [...new Set(claimed.map((c) => c.endpointId))];
      const ids = (kind: DeliverySourceKind) => [
        ...new Set(claimed.filter((c) => c.source === kind).map((c) => c.sourceId)),
      ];
      if (endpointIds.length) {
        const rs = await ctx.db
          .selectFrom('webhook_endpoints')
          .select([
            'id',
            'app_id',
            'url',
            'secret',
            'previous_secret',
            'previous_secret_expires_at',
          ])
          .where('id', 'in', endpointIds)
          .execute();
        for (const r of rs)
          targets.set(r.id, {
            id: r.id,
            appId: r.app_id,
            url: r.url,
            secret: r.secret,
            previousSecret: r.previous_secret,
            previousSecretExpiresAt:
              r.previous_secret_expires_at === null ? null : n(r.previous_secret_expires_at),
          });
      }
      const eventIds = ids('event');
      if (eventIds.length) {
        const rs = await ctx.db
          .selectFrom('events')
          .selectAll()
          .where('id', 'in', eventIds)
          .execute();
        for (const r of rs)
          sources.set(`event:${r.id}`, {
            kind: 'event',
            event: {
              id: r.id,
              appId: r.app_id,
              userId: r.user_id,
              type: r.type as EventType,
              credentialId: r.credential_id,
              ipAddr: r.ip_addr,
              userAgent: r.user_agent,
              detail: r.detail,
              externalId: r.external_id,
              createdAt: n(r.created_at),
            },
          });
      }
      const auditIds = ids('audit');
      if (auditIds.length) {
        const rs = await ctx.db
          .selectFrom('audit_log')
          .selectAll()
          .where('id', 'in', auditIds)
          .execute();
        for (const r of rs)
          sources.set(`audit:${r.id}`, {
            kind: 'audit',
            entry: {
              id: r.id,
              appId: r.app_id,
              type: r.type,
              actor: r.actor,
              ipAddr: r.ip_addr,
              userAgent: r.user_agent,
              target: r.target,
              change: r.change === null ? null : (JSON.parse(r.change) as unknown),
              createdAt: n(r.created_at),
            },
          });
      }
      // A test delivery has no row elsewhere: the delivery itself is its source.
      for (const c of claimed)
        if (c.source === 'test')
          sources.set(`test:${c.sourceId}`, { kind: 'test', createdAt: c.createdAt });
      return { targets, sources };
    },

    complete: (id, node, o) =>
      inTx(async (db) => {
        const delivered = o.status === 'delivered';
        const r = await db
          .updateTable('webhook_deliveries')
          .set((eb) => ({
            status: o.status,
            attempts: eb('attempts', '+', 1),
            next_attempt_at: o.nextAttemptAt ?? o.attemptAt,
            lease_until: null,
            leased_by: null,
            last_attempt_at: o.attemptAt,
            last_status_code: o.statusCode,
            last_latency_ms: o.latencyMs,
            last_error: o.error,
            last_response_excerpt: o.responseExcerpt,
            ...(delivered ? { delivered_at: o.attemptAt } : {}),
          }))
          .where('id', '=', id)
          .where('leased_by', '=', node)
          .where('status', '=', 'pending')
          .returning('endpoint_id')
          .executeTakeFirst();
        if (!r) return undefined;
        const e = await db
          .updateTable('webhook_endpoints')
          .set((eb) => ({
            consecutive_failures: delivered ? 0 : eb('consecutive_failures', '+', 1),
          }))
          .where('id', '=', r.endpoint_id)
          .returning('consecutive_failures')
          .executeTakeFirst();
        return { consecutiveFailures: e ? n(e.consecutive_failures) : 0 };
      }),

    lastSuccessOrChange: async (endpointId) => {
      const e = await ctx.db
        .selectFrom('webhook_endpoints')
        .select('updated_at')
        .where('id', '=', endpointId)
        .executeTakeFirst();
      if (!e) return undefined;
      const d = await ctx.db
        .selectFrom('webhook_deliveries')
        .select((eb) => eb.fn.max('delivered_at').as('last'))
        .where('endpoint_id', '=', endpointId)
        .executeTakeFirst();
      const last = d?.last === null || d?.last === undefined ? 0 : n(d.last);
      return Math.max(last, n(e.updated_at));
    },

    disableEndpoint: async (endpointId, reason, now) => {
      const r = await ctx.db
        .updateTable('webhook_endpoints')
        .set({ enabled: 0, disabled_reason: reason, updated_at: now })
        .where('id', '=', endpointId)
        .where('enabled', '=', 1)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    release: async (node) => {
      const r = await ctx.db
        .updateTable('webhook_deliveries')
        .set({ lease_until: null, leased_by: null })
        .where('leased_by', '=', node)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },

    stats: async () => {
      const r = await ctx.db
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhook_endpoints as e', 'e.id', 'd.endpoint_id')
        .select((eb) => [eb.fn.countAll().as('pending'), eb.fn.min('d.created_at').as('oldest')])
        .where('d.status', '=', 'pending')
        .where('e.enabled', '=', 1)
        .executeTakeFirst();
      return {
        pending: r ? n(r.pending as number | string) : 0,
        oldestPendingCreatedAt:
          r?.oldest === null || r?.oldest === undefined ? null : n(r.oldest as number),
      };
    },
  };
}
