import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { getApp } from '../../domain/apps/apps.js';
import { importAuditChange } from '../../domain/audit.js';
import { PasskeydError } from '../../domain/errors.js';
import { SOURCES, convert } from '../../domain/portability/converters/index.js';
import { exportPasskeys } from '../../domain/portability/export-passkeys.js';
import { importPasskeys } from '../../domain/portability/import-passkeys.js';
import { parseSource } from '../../domain/portability/records.js';
import type { HttpDeps } from '../context.js';
import { AppIdParams, errorResponses } from '../schemas/common.js';
import { adminAuth } from './admin.js';

const IMPORT_TYPES = [
  'application/x-ndjson',
  'application/jsonl',
  'application/json-lines',
  'text/csv',
];

const ImportQuery = Type.Object({
  from: Type.Optional(
    Type.Union(
      SOURCES.map((s) => Type.Literal(s)),
      { default: 'passkeyd', description: 'Shape of the body (docs/migration.md).' },
    ),
  ),
  dry_run: Type.Optional(Type.Boolean({ description: 'Validate and report; write nothing.' })),
  user_column: Type.Optional(
    Type.String({ maxLength: 200, description: "The source field holding the app's user id." }),
  ),
});

const ImportIssueSchema = Type.Object({
  line: Type.Integer(),
  status: Type.Union([Type.Literal('skipped'), Type.Literal('invalid')]),
  code: Type.Optional(Type.String()),
  message: Type.String(),
  external_id: Type.Optional(Type.String()),
  credential_id: Type.Optional(Type.String()),
  field: Type.Optional(Type.String()),
});

const ImportReportSchema = Type.Object({
  dry_run: Type.Boolean(),
  records: Type.Integer(),
  users_created: Type.Integer(),
  users_existing: Type.Integer(),
  credentials_imported: Type.Integer(),
  credentials_skipped: Type.Integer(),
  credentials_invalid: Type.Integer(),
  records_invalid: Type.Integer(),
  issues: Type.Array(ImportIssueSchema),
  issues_omitted: Type.Integer(),
  duration_ms: Type.Integer(),
});

/**
 * Passkey import and export for operators (docs/migration.md), behind the admin API's guard.
 * Both directions stream: the import reads JSON lines, a JSON array or CSV record by record, the
 * export writes JSON lines.
 */
export const adminPortabilityRoutes: FastifyPluginAsyncTypebox<{ deps: HttpDeps }> = async (
  scope,
  { deps },
) => {
  scope.addHook('onRequest', adminAuth(deps));
  // The body streams in record by record, never held whole, so the limit bounds how long one
  // request may keep the database busy rather than memory (PASSKEYD_IMPORT_LIMIT_BYTES).
  const limit = deps.config.importLimitBytes;
  const tooLarge = () =>
    new PasskeydError(
      'payload_too_large',
      `The import is larger than ${limit} bytes (PASSKEYD_IMPORT_LIMIT_BYTES); split it or use the CLI.`,
    );
  // Raw stream through: parsing happens record by record in the domain. Registered in this plugin
  // only, so no other route accepts these types. Fastify does not apply bodyLimit to a parser
  // that takes the raw stream, so a declared length is checked here and the rest as it streams.
  scope.addContentTypeParser(IMPORT_TYPES, (req, payload, done) => {
    if (Number(req.headers['content-length']) > limit) done(tooLarge(), undefined);
    else done(null, payload);
  });
  const security = [{ adminToken: [] }];
  const tags = ['admin'];

  scope.post(
    '/apps/:appId/import',
    {
      bodyLimit: limit,
      config: { audit: { type: 'import.completed' } },
      schema: {
        tags,
        security,
        summary: 'Import users and passkeys (NDJSON or CSV body)',
        description:
          'Body: passkeyd export lines, or rows of another system with `from`. Bad records are reported by line; the rest are imported. Re-running skips what exists.',
        params: AppIdParams,
        querystring: ImportQuery,
        consumes: IMPORT_TYPES,
        response: { 200: ImportReportSchema, ...errorResponses(400, 401, 403, 404, 413, 415) },
      },
    },
    async (req) => {
      const app = await getApp(deps.storage, req.params.appId);
      if (!(req.body instanceof Readable)) {
        throw new PasskeydError(
          'invalid_request',
          `Send the records as ${IMPORT_TYPES.join(', ')}.`,
        );
      }
      const records = convert(
        parseSource(req.body, { maxBytes: limit, tooLarge }),
        req.query.from ?? 'passkeyd',
        req.query.user_column ? { userColumn: req.query.user_column } : {},
      );
      const from = req.query.from ?? 'passkeyd';
      const report = await importPasskeys(app, records, deps, {
        dryRun: req.query.dry_run === true,
      });
      // A dry run changed nothing, so it is no admin action to keep or deliver.
      req.auditDetail = report.dry_run
        ? { skip: true }
        : { target: app.id, change: importAuditChange(report, from) };
      return report;
    },
  );

  scope.get(
    '/apps/:appId/export',
    {
      schema: {
        tags,
        security,
        summary: 'Export users and passkeys as NDJSON',
        description:
          "One header line, then one line per user with its passkeys (docs/migration.md, 'The format').",
        params: AppIdParams,
        produces: ['application/x-ndjson'],
        // 200 is an NDJSON stream, described above; a schema would make Fastify serialise it.
        response: errorResponses(401, 403, 404),
      },
    },
    async (req, reply) => {
      const app = await getApp(deps.storage, req.params.appId);
      return reply
        .type('application/x-ndjson; charset=utf-8')
        .header('content-disposition', `attachment; filename="passkeyd-${app.id}.jsonl"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(exportPasskeys(app, deps)));
    },
  );
};
