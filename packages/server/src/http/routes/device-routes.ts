import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { App } from '../../domain/types.js';
import { renameDevice, revokeDevice } from '../../domain/users.js';
import type { HttpDeps } from '../context.js';
import { requestMeta } from '../context.js';
import { deviceToWire } from '../presenters.js';
import { errorResponses } from '../schemas/common.js';
import { DeviceParams, RenameDeviceBody } from '../schemas/management.js';

type Scope = Parameters<FastifyPluginAsyncTypebox>[0];

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
      schema: {
        tags: o.tags,
        security: o.security,
        summary: o.summaries.revoke,
        params: DeviceParams,
        response: errorResponses(401, ...extra, 404),
      },
    },
    async (req, reply) => {
      await revokeDevice(
        o.appOf(req),
        { userId: req.params.userId, deviceId: req.params.deviceId, meta: requestMeta(req) },
        o.deps,
      );
      return reply.status(200).send();
    },
  );
}
