import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  redeliverWebhook,
  rotateWebhookSecret,
  sendWebhookTest,
  updateWebhookEndpoint,
} from '../../domain/webhooks/endpoints.js';
import type { HttpDeps } from '../context.js';
import { AppIdParams, errorResponses } from '../schemas/common.js';
import {
  CreatedWebhookEndpoint,
  CreateWebhookBody,
  DeliveryListQuery,
  RotatedSecret,
  RotateSecretBody,
  UpdateWebhookBody,
  WebhookDelivery,
  WebhookDeliveryParams,
  WebhookEndpoint,
  WebhookEndpointParams,
} from '../schemas/webhooks.js';
import { webhookDeliveryToWire, webhookEndpointToWire } from '../webhook-presenters.js';
import { adminAuth } from './admin.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route may create or enable an endpoint, or queue a delivery: buildApp's afterWrite
     * says so, and server.ts tells this node's dispatcher, which then claims on the next wake
     * even if its last poll found no enabled endpoint (dispatcher.ts endpointsChanged).
     */
    webhookEndpointsChange?: boolean;
  }
}
const endpointsChange = { webhookEndpointsChange: true };

/**
 * Webhook endpoint management (issue 15, docs/webhooks.md) under /v1/admin/apps/:appId, with
 * the admin API's guard. Delivery itself is the dispatcher's. Each mutating route names its
 * audit type in `config.audit`: the audit hook records the action once it succeeds.
 */
export const adminWebhookRoutes: FastifyPluginAsyncTypebox<{ deps: HttpDeps }> = async (
  scope,
  { deps },
) => {
  scope.addHook('onRequest', adminAuth(deps));
  const security = [{ adminToken: [] }];
  const tags = ['admin', 'webhooks'];
  const wdeps = { ...deps, allowPrivate: deps.config.webhookAllowPrivate };

  scope.get(
    '/apps/:appId/webhooks',
    {
      schema: {
        tags,
        security,
        summary: "List an app's webhook endpoints (without their secrets)",
        params: AppIdParams,
        response: {
          200: Type.Object({ endpoints: Type.Array(WebhookEndpoint) }),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (req) => ({
      endpoints: (await listWebhookEndpoints(deps.storage, req.params.appId)).map(
        webhookEndpointToWire,
      ),
    }),
  );

  scope.post(
    '/apps/:appId/webhooks',
    {
      config: { audit: { type: 'admin.webhook.created' }, ...endpointsChange },
      schema: {
        tags,
        security,
        summary: 'Add a webhook endpoint (its signing secret is shown once)',
        params: AppIdParams,
        body: CreateWebhookBody,
        response: { 201: CreatedWebhookEndpoint, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const { endpoint, secret } = await createWebhookEndpoint(
        req.params.appId,
        {
          url: b.url,
          ...(b.event_types !== undefined ? { eventTypes: b.event_types } : {}),
          ...(b.description !== undefined ? { description: b.description } : {}),
          ...(b.enabled !== undefined ? { enabled: b.enabled } : {}),
        },
        wdeps,
      );
      return reply.status(201).send({ ...webhookEndpointToWire(endpoint), secret });
    },
  );

  scope.get(
    '/apps/:appId/webhooks/:endpointId',
    {
      schema: {
        tags,
        security,
        summary: 'Get a webhook endpoint',
        params: WebhookEndpointParams,
        response: {
          200: Type.Object({ endpoint: WebhookEndpoint }),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (req) => ({
      endpoint: webhookEndpointToWire(
        await getWebhookEndpoint(deps.storage, req.params.appId, req.params.endpointId),
      ),
    }),
  );

  scope.patch(
    '/apps/:appId/webhooks/:endpointId',
    {
      config: { audit: { type: 'admin.webhook.updated' }, ...endpointsChange },
      schema: {
        tags,
        security,
        summary: 'Change a webhook endpoint: URL, event types, description, enabled',
        params: WebhookEndpointParams,
        body: UpdateWebhookBody,
        response: {
          200: Type.Object({ endpoint: WebhookEndpoint }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (req) => {
      const b = req.body;
      const endpoint = await updateWebhookEndpoint(
        req.params.appId,
        req.params.endpointId,
        {
          ...(b.url !== undefined ? { url: b.url } : {}),
          ...(b.event_types !== undefined ? { eventTypes: b.event_types } : {}),
          ...(b.description !== undefined ? { description: b.description } : {}),
          ...(b.enabled !== undefined ? { enabled: b.enabled } : {}),
        },
        wdeps,
      );
      return { endpoint: webhookEndpointToWire(endpoint) };
    },
  );

  scope.delete(
    '/apps/:appId/webhooks/:endpointId',
    {
      config: { audit: { type: 'admin.webhook.deleted' } },
      schema: {
        tags,
        security,
        summary: 'Delete a webhook endpoint and its deliveries, pending ones included',
        params: WebhookEndpointParams,
        response: { 204: Type.Null(), ...errorResponses(401, 403, 404) },
      },
    },
    async (req, reply) => {
      await deleteWebhookEndpoint(req.params.appId, req.params.endpointId, deps);
      return reply.status(204).send(null);
    },
  );

  scope.post(
    '/apps/:appId/webhooks/:endpointId/rotate-secret',
    {
      config: { audit: { type: 'admin.webhook.secret_rotated' } },
      schema: {
        tags,
        security,
        summary: 'Rotate the signing secret; the old one still signs during the grace period',
        params: WebhookEndpointParams,
        body: RotateSecretBody,
        response: { 200: RotatedSecret, ...errorResponses(400, 401, 403, 404) },
      },
      // The body is optional: a POST without one takes the default grace period.
      preValidation: async (req) => {
        if (req.body === undefined || req.body === null) req.body = {};
      },
    },
    async (req) => {
      const r = await rotateWebhookSecret(
        req.params.appId,
        req.params.endpointId,
        req.body.grace_hours !== undefined ? { graceHours: req.body.grace_hours } : {},
        deps,
      );
      return {
        secret: r.secret,
        previous_secret_expires_at:
          r.previousSecretExpiresAt === null
            ? null
            : new Date(r.previousSecretExpiresAt).toISOString(),
      };
    },
  );

  scope.post(
    '/apps/:appId/webhooks/:endpointId/test',
    {
      config: endpointsChange,
      schema: {
        tags,
        security,
        summary: 'Queue a webhook.test delivery to the endpoint',
        params: WebhookEndpointParams,
        response: {
          202: Type.Object({ delivery_id: Type.String() }),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (req, reply) => {
      const d = await sendWebhookTest(req.params.appId, req.params.endpointId, deps);
      return reply.status(202).send({ delivery_id: d.id });
    },
  );

  scope.get(
    '/apps/:appId/webhooks/:endpointId/deliveries',
    {
      schema: {
        tags,
        security,
        summary: "An endpoint's deliveries, newest first",
        params: WebhookEndpointParams,
        querystring: DeliveryListQuery,
        response: {
          200: Type.Object({
            deliveries: Type.Array(WebhookDelivery),
            total: Type.Integer(),
            limit: Type.Integer(),
            offset: Type.Integer(),
          }),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (req) => {
      const { status, limit = 20, offset = 0 } = req.query;
      const r = await listWebhookDeliveries(deps.storage, req.params.appId, req.params.endpointId, {
        limit,
        offset,
        ...(status !== undefined ? { status } : {}),
      });
      return { deliveries: r.deliveries.map(webhookDeliveryToWire), total: r.total, limit, offset };
    },
  );

  scope.post(
    '/apps/:appId/webhook-deliveries/:deliveryId/redeliver',
    {
      config: { audit: { type: 'admin.webhook.redelivered' }, ...endpointsChange },
      schema: {
        tags,
        security,
        summary: 'Send a delivery again now, with a fresh retry schedule',
        params: WebhookDeliveryParams,
        response: {
          202: Type.Object({ delivery: WebhookDelivery }),
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (req, reply) => {
      const d = await redeliverWebhook(req.params.appId, req.params.deliveryId, deps);
      return reply.status(202).send({ delivery: webhookDeliveryToWire(d) });
    },
  );
};
