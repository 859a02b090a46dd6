import { userInfo } from 'node:os';
import { recordAudit } from '../domain/audit.js';
import { PasskeydError } from '../domain/errors.js';
import { systemClock, type Storage } from '../domain/ports.js';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  listWebhookEndpoints,
  rotateWebhookSecret,
  sendWebhookTest,
} from '../domain/webhooks/endpoints.js';
import type { WebhookEndpoint } from '../domain/webhooks/types.js';
import { webhookEndpointToWire } from '../http/webhook-presenters.js';
import { table, type Out } from './output.js';

export const WEBHOOK_OPTIONS = {
  url: { type: 'string' },
  events: { type: 'string' },
  description: { type: 'string' },
  'grace-hours': { type: 'string' },
} as const;

export const WEBHOOK_HELPS: Record<string, string> = {
  'webhook create':
    'Usage: passkeyd webhook create --app APP_ID --url URL [--events a,b] [--description TEXT] [--json]\n\nAdds a webhook endpoint. --events lists public event types, comma-separated (default: every\napp-scoped type; docs/webhooks.md lists them). The signing secret (whsec_…) is printed once.',
  'webhook list':
    "Usage: passkeyd webhook list --app APP_ID [--json]\n\nThe app's webhook endpoints.",
  'webhook delete':
    'Usage: passkeyd webhook delete ENDPOINT_ID [--json]\n\nDeletes the endpoint and its deliveries, pending ones included.',
  'webhook rotate-secret':
    'Usage: passkeyd webhook rotate-secret ENDPOINT_ID [--grace-hours N] [--json]\n\nPrints a new signing secret. The old one keeps signing beside it for N hours (0-168,\ndefault 24), so receivers can switch without missing a delivery.',
  'webhook test':
    'Usage: passkeyd webhook test ENDPOINT_ID [--json]\n\nQueues a webhook.test delivery to the endpoint; see it with the admin API or console.',
};

/** Who the audit trail names for a CLI action: the operating-system user running it. */
function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    // No passwd entry for the uid (some containers).
    return `cli:uid-${process.getuid?.() ?? 'unknown'}`;
  }
}

/** The endpoint with this id in whichever app holds it: the CLI names endpoints by id alone. */
async function findEndpoint(storage: Storage, id: string): Promise<WebhookEndpoint> {
  for (const app of await storage.apps.list()) {
    const e = await storage.webhooks.get(app.id, id);
    if (e) return e;
  }
  throw new PasskeydError('webhook_not_found');
}

/** `passkeyd webhook create|list|delete|rotate-secret|test`. */
export async function runWebhook(
  name: string,
  v: {
    app?: string;
    url?: string;
    events?: string;
    description?: string;
    'grace-hours'?: string;
  },
  positionals: string[],
  ctx: { storage: Storage; out: Out; allowPrivate: boolean; usage: (m: string) => Error },
): Promise<number> {
  const { storage, out } = ctx;
  const clock = systemClock;
  const actor = cliActor();
  if (name === 'webhook create' || name === 'webhook list') {
    const appId = v.app;
    if (!appId) throw ctx.usage(`${name} needs --app APP_ID`);
    if (name === 'webhook list') {
      const endpoints = (await listWebhookEndpoints(storage, appId)).map(webhookEndpointToWire);
      out.print({ endpoints }, () =>
        table(
          endpoints.map((e) => ({
            ...e,
            event_types: e.event_types.length ? e.event_types.join(',') : '(all)',
          })),
          ['id', 'url', 'enabled', 'event_types', 'description'],
        ),
      );
      return 0;
    }
    if (!v.url) throw ctx.usage('webhook create needs --url URL');
    const eventTypes =
      v.events === undefined
        ? []
        : v.events
            .split(',')
            .map((t) => t.trim())
            .filter((t) => t !== '');
    const { endpoint, secret } = await storage.transaction(async (tx) => {
      const created = await createWebhookEndpoint(
        appId,
        {
          url: v.url!,
          eventTypes,
          ...(v.description !== undefined ? { description: v.description } : {}),
        },
        { storage: tx, clock, allowPrivate: ctx.allowPrivate },
      );
      const e = created.endpoint;
      await recordAudit(tx, {
        appId,
        type: 'admin.webhook.created',
        actor,
        target: e.id,
        change: { url: e.url, event_types: e.eventTypes, description: e.description },
        now: clock.now(),
      });
      return created;
    });
    out.print({ id: endpoint.id, secret, endpoint: webhookEndpointToWire(endpoint) }, () =>
      [
        `id      ${endpoint.id}`,
        `secret  ${secret}`,
        '',
        'The signing secret is shown once; store it in your receiver now.',
      ].join('\n'),
    );
    return 0;
  }

  const id = positionals[0];
  if (!id || positionals.length > 1) throw ctx.usage(`${name} needs one ENDPOINT_ID`);
  const endpoint = await findEndpoint(storage, id);
  const appId = endpoint.appId;
  if (name === 'webhook delete') {
    await storage.transaction(async (tx) => {
      await deleteWebhookEndpoint(appId, id, { storage: tx });
      await recordAudit(tx, {
        appId,
        type: 'admin.webhook.deleted',
        actor,
        target: id,
        now: clock.now(),
      });
    });
    out.print({ deleted: id }, () => `deleted ${id}`);
    return 0;
  }
  if (name === 'webhook rotate-secret') {
    const raw = v['grace-hours'];
    const graceHours = raw === undefined ? undefined : Number(raw);
    if (raw !== undefined && (raw.trim() === '' || !Number.isInteger(graceHours)))
      throw ctx.usage('--grace-hours must be a whole number of hours from 0 to 168');
    const r = await storage.transaction(async (tx) => {
      const rotated = await rotateWebhookSecret(
        appId,
        id,
        graceHours === undefined ? {} : { graceHours },
        { storage: tx, clock },
      );
      await recordAudit(tx, {
        appId,
        type: 'admin.webhook.secret_rotated',
        actor,
        target: id,
        change: { grace_hours: graceHours ?? null },
        now: clock.now(),
      });
      return rotated;
    });
    const until =
      r.previousSecretExpiresAt === null ? null : new Date(r.previousSecretExpiresAt).toISOString();
    out.print({ id, secret: r.secret, previous_secret_expires_at: until }, () =>
      [
        `secret  ${r.secret}`,
        '',
        until
          ? `The previous secret keeps signing until ${until}.`
          : 'The previous secret no longer signs.',
        'The new secret is shown once; store it in your receiver now.',
      ].join('\n'),
    );
    return 0;
  }
  // webhook test: a queued message, not a change to the endpoint, so no audit type of its own.
  const d = await sendWebhookTest(appId, id, { storage, clock });
  out.print({ delivery_id: d.id }, () => `queued test delivery ${d.id} to ${endpoint.url}`);
  return 0;
}
