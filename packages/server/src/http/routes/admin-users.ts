import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { getApp } from '../../domain/apps/apps.js';
import { PasskeydError } from '../../domain/errors.js';
import { isIdOf } from '../../domain/secrets.js';
import type { ListedEvent, UserSummary } from '../../domain/ports.js';
import type { App, EventType, User, UserEvent } from '../../domain/types.js';
import { deleteUser, getUserDetail } from '../../domain/users.js';
import { registerDeviceListRoute, registerDeviceWriteRoutes } from './device-routes.js';
import type { HttpDeps } from '../context.js';
import { requestMeta } from '../context.js';
import { deviceToWire } from '../presenters.js';
import { AppIdParams, NullableTimestamp, Timestamp, errorResponses } from '../schemas/common.js';
import { UserParams } from '../schemas/management.js';
import { adminAuth } from './admin.js';

declare module 'fastify' {
  interface FastifyRequest {
    adminApp?: App;
  }
}

/**
 * What the admin console needs beyond /v1/admin/apps and keys: users with their passkeys, the
 * event log and its activity counts. Under /v1/admin/apps/:appId, with the admin API's guard.
 */

const EVENT_TYPES = [
  'passkey_register',
  'passkey_register_refused',
  'passkey_login',
  'passkey_login_failed',
  'passkey_revoke',
  'passkey_rename',
  'counter_regression',
  'backup_eligibility_changed',
  'user_delete',
] as const satisfies readonly EventType[];
const EventTypeSchema = Type.Union(EVENT_TYPES.map((t) => Type.Literal(t)));

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** What the activity chart plots; counter regressions and BE changes are failed sign-ins too. */
const ACTIVITY = {
  registrations: ['passkey_register'],
  sign_ins: ['passkey_login'],
  failed_sign_ins: ['passkey_login_failed', 'counter_regression', 'backup_eligibility_changed'],
} as const satisfies Record<string, readonly EventType[]>;

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

const AdminUser = Type.Object({
  id: Type.String(),
  external_id: Type.String(),
  status: Type.String(),
  created_at: Timestamp,
  updated_at: Timestamp,
  last_login_at: NullableTimestamp,
  login_count: Type.Integer(),
  passkey_count: Type.Integer(),
});

const AdminEvent = Type.Object({
  id: Type.String(),
  type: Type.String(),
  user_id: Type.Union([Type.String(), Type.Null()]),
  external_id: Type.Union([Type.String(), Type.Null()]),
  device_id: Type.Union([Type.String(), Type.Null()]),
  ip_addr: Type.Union([Type.String(), Type.Null()]),
  user_agent: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Union([Type.String(), Type.Null()], {
    description: 'Error code of a failure; for passkey_register_refused, the AAGUID and why.',
  }),
  created_at: Timestamp,
});

const ActivitySeries = Type.Object({
  bucket: Type.Union([Type.Literal('hour'), Type.Literal('day')]),
  buckets: Type.Array(
    Type.Object({
      start: Timestamp,
      registrations: Type.Integer(),
      sign_ins: Type.Integer(),
      failed_sign_ins: Type.Integer(),
    }),
  ),
});

const page = {
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
};

function adminUserToWire(u: User, passkeyCount: number) {
  return {
    id: u.id,
    external_id: u.externalId,
    status: u.status,
    created_at: iso(u.createdAt),
    updated_at: iso(u.updatedAt),
    last_login_at: isoOrNull(u.lastLoginAt),
    login_count: u.loginCount,
    passkey_count: passkeyCount,
  };
}

function adminEventToWire(e: UserEvent & Partial<Pick<ListedEvent, 'externalId'>>) {
  return {
    id: e.id,
    type: e.type,
    user_id: e.userId,
    external_id: e.externalId ?? null,
    device_id: e.credentialId,
    ip_addr: e.ipAddr,
    user_agent: e.userAgent,
    detail: e.detail,
    created_at: iso(e.createdAt),
  };
}

/**
 * Epoch ms of a `format: date-time` query value. RFC 3339 allows a leap second
 * (`2016-12-31T23:59:60Z`) and the schema passes it, but Date.parse answers NaN, which SQLite
 * compares as nothing and PostgreSQL refuses (a 500): refuse it as the client's error.
 */
function instantOf(value: string, field: string): number {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms))
    throw new PasskeydError(
      'invalid_request',
      `querystring.${field} is not a time passkeyd can compare (leap seconds are not supported).`,
      { details: { field } },
    );
  return ms;
}

export const adminUserRoutes: FastifyPluginAsyncTypebox<{ deps: HttpDeps }> = async (
  scope,
  { deps },
) => {
  scope.addHook('onRequest', adminAuth(deps));
  // Every route names an app; a missing one is app_not_found before anything else.
  scope.addHook('preHandler', async (req) => {
    req.adminApp = await getApp(deps.storage, (req.params as { appId: string }).appId);
  });
  const appOf = (req: { adminApp?: App }) => req.adminApp as App;
  const security = [{ adminToken: [] }];
  const tags = ['admin'];

  scope.get(
    '/apps/:appId/users',
    {
      schema: {
        tags,
        security,
        summary: 'Search users by external id (case-insensitive substring), newest first',
        params: AppIdParams,
        querystring: Type.Object({
          search: Type.Optional(Type.String({ maxLength: 255 })),
          ...page,
        }),
        response: {
          200: Type.Object({
            users: Type.Array(AdminUser),
            total: Type.Integer(),
            page: Type.Integer(),
            limit: Type.Integer(),
          }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (req) => {
      const { page: p = 1, limit = 20, search } = req.query;
      const r = await deps.storage.adminQueries.searchUsers(req.params.appId, {
        limit,
        offset: (p - 1) * limit,
        ...(search !== undefined ? { search } : {}),
      });
      return {
        users: r.users.map((s: UserSummary) => adminUserToWire(s.user, s.passkeyCount)),
        total: r.total,
        page: p,
        limit,
      };
    },
  );

  scope.get(
    '/apps/:appId/users/:userId',
    {
      schema: {
        tags,
        security,
        summary: 'A user with their passkeys and latest events',
        params: UserParams,
        response: {
          200: Type.Object({
            user: AdminUser,
            devices: Type.Array(Type.Ref('Device')),
            events: Type.Array(AdminEvent),
          }),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (req) => {
      const d = await getUserDetail(deps, req.params.appId, req.params.userId);
      return {
        user: adminUserToWire(d.user, d.totalCredentials),
        devices: d.credentials.map(deviceToWire),
        events: d.events.map((e) => adminEventToWire({ ...e, externalId: d.user.externalId })),
      };
    },
  );

  scope.delete(
    '/apps/:appId/users/:userId',
    {
      config: { audit: { type: 'admin.user.deleted' } },
      schema: {
        tags,
        security,
        summary: 'Delete a user and their passkeys',
        params: UserParams,
        response: errorResponses(401, 403, 404),
      },
    },
    async (req, reply) => {
      const app = appOf(req);
      await deleteUser(app, { userId: req.params.userId, meta: requestMeta(req) }, deps);
      return reply.status(200).send();
    },
  );

  registerDeviceListRoute(scope, {
    deps,
    appOf,
    tags,
    security,
    summary: "A user's passkeys, a page at a time (the detail above holds the first page)",
    extraStatuses: [403],
  });

  registerDeviceWriteRoutes(scope, {
    deps,
    appOf,
    tags,
    security,
    summaries: { rename: 'Rename a passkey', revoke: 'Revoke (delete) a passkey' },
    extraStatuses: [403],
    // An operator's revoke is an admin action; the management API's (the app's own) is not.
    revokeAudit: { type: 'admin.passkey.revoked' },
  });

  scope.get(
    '/apps/:appId/events',
    {
      schema: {
        tags,
        security,
        summary: 'Events, newest first, filtered by type, user and time',
        params: AppIdParams,
        querystring: Type.Object({
          type: Type.Optional(
            Type.Array(EventTypeSchema, {
              maxItems: EVENT_TYPES.length,
              description: 'Repeat for several types.',
            }),
          ),
          user_id: Type.Optional(Type.String({ maxLength: 100 })),
          external_id: Type.Optional(
            Type.String({
              maxLength: 255,
              description: 'Exact external id; ignored when user_id is given.',
            }),
          ),
          from: Type.Optional(Type.String({ format: 'date-time', description: 'Inclusive.' })),
          to: Type.Optional(Type.String({ format: 'date-time', description: 'Exclusive.' })),
          ...page,
        }),
        response: {
          200: Type.Object({
            events: Type.Array(AdminEvent),
            total: Type.Integer(),
            page: Type.Integer(),
            limit: Type.Integer(),
          }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (req) => {
      const { appId } = req.params;
      const q = req.query;
      const p = q.page ?? 1;
      const limit = q.limit ?? 20;
      const from = q.from !== undefined ? instantOf(q.from, 'from') : undefined;
      const to = q.to !== undefined ? instantOf(q.to, 'to') : undefined;
      let userId = q.user_id;
      // A user_id that is not an id of ours names nobody: the same empty page as an unknown one,
      // without a query.
      if (userId !== undefined && !isIdOf('usr', userId))
        return { events: [], total: 0, page: p, limit };
      if (userId === undefined && q.external_id !== undefined) {
        const user = await deps.storage.users.findByExternalId(appId, q.external_id);
        if (!user) return { events: [], total: 0, page: p, limit };
        userId = user.id;
      }
      const r = await deps.storage.adminQueries.listEvents(appId, {
        limit,
        offset: (p - 1) * limit,
        ...(q.type?.length ? { types: q.type } : {}),
        ...(userId !== undefined ? { userId } : {}),
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
      });
      return { events: r.events.map(adminEventToWire), total: r.total, page: p, limit };
    },
  );

  scope.get(
    '/apps/:appId/events/activity',
    {
      schema: {
        tags,
        security,
        summary:
          'Registrations, sign-ins and failed sign-ins per hour (last 24 h) and per day (last 30 d)',
        description:
          "The current hour and day are the last buckets. Days start at midnight at `utc_offset_minutes` (the viewer's time zone; default UTC).",
        params: AppIdParams,
        querystring: Type.Object({
          utc_offset_minutes: Type.Optional(
            Type.Integer({ minimum: -840, maximum: 840, default: 0 }),
          ),
        }),
        response: {
          200: Type.Object({ hours: ActivitySeries, days: ActivitySeries }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (req) => {
      const offsetMs = (req.query.utc_offset_minutes ?? 0) * 60_000;
      const now = deps.clock.now();
      const series = async (bucket: 'hour' | 'day', bucketMs: number, buckets: number) => {
        // Bucket edges fall on the viewer's hour and midnight: floor in local time, back to UTC.
        const current = Math.floor((now + offsetMs) / bucketMs) * bucketMs - offsetMs;
        const from = current - (buckets - 1) * bucketMs;
        const counts = await deps.storage.adminQueries.countEvents(req.params.appId, {
          types: Object.values(ACTIVITY).flat(),
          from,
          bucketMs,
          buckets,
        });
        const rows = Array.from({ length: buckets }, (_, i) => ({
          start: iso(from + i * bucketMs),
          registrations: 0,
          sign_ins: 0,
          failed_sign_ins: 0,
        }));
        for (const c of counts) {
          const row = rows[Math.round((c.bucketStart - from) / bucketMs)];
          const key = (Object.keys(ACTIVITY) as (keyof typeof ACTIVITY)[]).find((k) =>
            (ACTIVITY[k] as readonly EventType[]).includes(c.type),
          );
          if (row && key) row[key] += c.count;
        }
        return { bucket, buckets: rows };
      };
      const [hours, days] = await Promise.all([
        series('hour', HOUR_MS, 24),
        series('day', DAY_MS, 30),
      ]);
      return { hours, days };
    },
  );
};
