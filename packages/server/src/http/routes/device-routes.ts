import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { App } from '../../domain/types.js';
import { listUserDevices, renameDevice, revokeDevice } from '../../domain/users.js';
import type { HttpDeps } from '../context.js';
import type { AuditRouteConfig } from '../plugins/audit-trail.js';
import { requestMeta } from '../context.js';
import { deviceToWire } from '../presenters.js';
import { errorResponses } from '../schemas/common.js';
import {
  DeviceParams,
  ListDevicesQuery,
  ListDevicesResponse,
  RenameDeviceBody,
  RevokeDeviceQuery,
  UserParams,
} from '../schemas/management.js';

type Scope = Parameters<FastifyPluginAsyncTypebox>[0];

/**
 * List a user's passkeys, one page at a time: B6 in the management API, and the same list in
 * the admin API. `page`, `limit` and the fields besides `devices` are additive (Passage's SDKs
 * send no parameters and read only `devices`), see DEVICE_PAGE_DEFAULT.
 */
export function registerDeviceListRoute(
  scope: Scope,
  o: {
    deps: HttpDeps;
    appOf: (req: FastifyRequest) => App;
    tags: string[];
    security: Record<string, string[]>[];
    summary: string;
    extraStatuses?: number[];
  },
): void {
  scope.get(
    '/apps/:appId/users/:userId/devices',
    {
      schema: {
        tags: o.tags,
        security: o.security,
        summary: o.summary,
        params: UserParams,
        querystring: ListDevicesQuery,
        response: {
          200: ListDevicesResponse,
          ...errorResponses(400, 401, ...(o.extraStatuses ?? []), 404),
        },
      },
    },
    async (req) => {
      const d = await listUserDevices(o.deps, o.appOf(req).id, req.params.userId, {
        ...(req.query.page !== undefined ? { page: req.query.page } : {}),
        ...(req.query.limit !== undefined ? { limit: req.query.limit } : {}),
      });
      return {
        devices: d.credentials.map(deviceToWire),
        page: d.page,
        limit: d.limit,
        total_devices: d.total,
      };
    },
  );
}

/**
 * Rename (PATCH) and revoke (DELETE) a passkey: the same operations in the management API
 * (API key) and the admin API (admin token or console), which differ only in how the app was
 * resolved and in their documentation.
 */
export function registerDeviceWriteRoutes(
  scope: Scope,
  o: {
    deps: HttpDeps;
    appOf: (req: FastifyRequest) => App;
    tags: string[];
    security: Record<string, string[]>[];
    summaries: { rename: string; revoke: string };
    /** Failure statuses besides 400/401/404 (the admin API adds 403). */
    extraStatuses?: number[];
    /** Records revokes in the audit trail (the admin API: http/plugins/audit-trail.ts). */
    revokeAudit?: AuditRouteConfig;
  },
): void {
  const extra = o.extraStatuses ?? [];
  scope.patch(
    '/apps/:appId/users/:userId/devices/:deviceId',
    {
      schema: {
        tags: o.tags,
        security: o.security,
        summary: o.summaries.rename,
        params: DeviceParams,
        body: RenameDeviceBody,
        response: {
          200: Type.Object({ device: Type.Ref('Device') }),
          ...errorResponses(400, 401, ...extra, 404),
        },
      },
    },
    async (req) => {
      const device = await renameDevice(
        o.appOf(req),
        {
          userId: req.params.userId,
          deviceId: req.params.deviceId,
          name: req.body.friendly_name,
          meta: requestMeta(req),
        },
        o.deps,
      );
      return { device: deviceToWire(device) };
    },
  );

  scope.delete(
    '/apps/:appId/users/:userId/devices/:deviceId',
    {
      ...(o.revokeAudit ? { config: { audit: o.revokeAudit } } : {}),
      schema: {
        tags: o.tags,
        security: o.security,
        summary: o.summaries.revoke,
        params: DeviceParams,
        querystring: RevokeDeviceQuery,
        response: errorResponses(400, 401, ...extra, 404, 409),
      },
    },
    async (req, reply) => {
      await revokeDevice(
        o.appOf(req),
        {
          userId: req.params.userId,
          deviceId: req.params.deviceId,
          force: req.query.force === true,
          meta: requestMeta(req),
        },
        o.deps,
      );
      return reply.status(200).send();
    },
  );
}
