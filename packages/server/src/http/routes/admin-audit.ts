import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { auditEntryToJson, exportAudit } from '../../domain/audit-export.js';
import { PasskeydError } from '../../domain/errors.js';
import type { AuditFilter } from '../../domain/ports.js';
import type { HttpDeps } from '../context.js';
import { Timestamp, errorResponses } from '../schemas/common.js';
import { adminAuth } from './admin.js';

const Nullable = (t: ReturnType<typeof Type.String>) => Type.Union([t, Type.Null()]);

const AuditEntrySchema = Type.Object(
  {
    id: Type.String(),
    app_id: Nullable(Type.String({ description: 'Null for an instance-wide action.' })),
    type: Type.String({ description: 'e.g. admin.app.created (docs/audit.md lists them).' }),
    actor: Type.String({
      description: 'token:<fingerprint>, console:<session fingerprint>, cli:<os user> or signal.',
    }),
    ip_addr: Nullable(Type.String()),
    user_agent: Nullable(Type.String()),
    target: Nullable(Type.String({ description: 'What was acted on: an app, key, user… id.' })),
    change: Type.Unknown({ description: 'The request body without secrets, or a summary.' }),
    created_at: Timestamp,
  },
  { $id: 'AuditEntry', title: 'AuditEntry' },
);

const filters = {
  app_id: Type.Optional(Type.String({ maxLength: 100 })),
  type: Type.Optional(Type.String({ maxLength: 100 })),
  actor: Type.Optional(Type.String({ maxLength: 200 })),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Inclusive.' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Exclusive.' })),
};

/** Epoch ms of a date-time query value; a leap second passes the schema but not Date.parse. */
function instantOf(value: string, field: string): number {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms))
    throw new PasskeydError(
      'invalid_request',
      `querystring.${field} is not a time passkeyd can compare.`,
      {
        details: { field },
      },
    );
  return ms;
}

function filterOf(q: {
  app_id?: string;
  type?: string;
  actor?: string;
  from?: string;
  to?: string;
}): AuditFilter {
  return {
    ...(q.app_id ? { appId: q.app_id } : {}),
    ...(q.type ? { type: q.type } : {}),
    ...(q.actor ? { actor: q.actor } : {}),
    ...(q.from !== undefined ? { from: instantOf(q.from, 'from') } : {}),
    ...(q.to !== undefined ? { to: instantOf(q.to, 'to') } : {}),
  };
}

/**
 * The admin audit trail (issue 15 item 7, docs/audit.md): instance-wide, so not under an app.
 * Reading it is not itself recorded (it changes nothing).
 */
export const adminAuditRoutes: FastifyPluginAsyncTypebox<{ deps: HttpDeps }> = async (
  scope,
  { deps },
) => {
  scope.addHook('onRequest', adminAuth(deps));
  scope.addSchema(AuditEntrySchema);
  const security = [{ adminToken: [] }];
  const tags = ['admin'];

  scope.get(
    '/audit',
    {
      schema: {
        tags,
        security,
        summary: 'The audit trail of admin actions, newest first, filtered',
        querystring: Type.Object({
          ...filters,
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
          offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
        }),
        response: {
          200: Type.Object({
            entries: Type.Array(Type.Ref('AuditEntry')),
            total: Type.Integer(),
            limit: Type.Integer(),
            offset: Type.Integer(),
          }),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (req) => {
      const limit = req.query.limit ?? 50;
      const offset = req.query.offset ?? 0;
      const r = await deps.storage.audit.list({ ...filterOf(req.query), limit, offset });
      return { entries: r.entries.map(auditEntryToJson), total: r.total, limit, offset };
    },
  );

  scope.get(
    '/audit/export',
    {
      schema: {
        tags,
        security,
        summary: 'Export the audit trail as NDJSON, oldest first (same filters)',
        description:
          'One JSON object per line, each an AuditEntry with `"source": "audit"`; streamed, however long.',
        querystring: Type.Object(filters),
        produces: ['application/x-ndjson'],
        // 200 is an NDJSON stream; a schema would make Fastify serialise it.
        response: errorResponses(400, 401, 403),
      },
    },
    async (req, reply) => {
      const filter = filterOf(req.query);
      return reply
        .type('application/x-ndjson; charset=utf-8')
        .header('content-disposition', 'attachment; filename="passkeyd-audit.jsonl"')
        .header('cache-control', 'no-store')
        .send(Readable.from(exportAudit(deps.storage, filter)));
    },
  );
};
