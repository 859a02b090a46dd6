import { Type } from 'typebox';
import { MAX_DESCRIPTION_LENGTH, MAX_GRACE_HOURS } from '../../domain/webhooks/endpoints.js';
import { WEBHOOK_EVENT_TYPE_NAMES } from '../../domain/webhooks/event-types.js';
import { MAX_WEBHOOK_URL_LENGTH } from '../../domain/webhooks/webhook-url.js';
import { NullableTimestamp, Timestamp } from './common.js';

// Event types are plain strings here, not an enum: an unknown name is answered with its own
// code (unknown_event_type) by the domain, the same from the API and the CLI.
const EventTypes = Type.Array(Type.String({ maxLength: 100 }), {
  maxItems: WEBHOOK_EVENT_TYPE_NAMES.length,
  description: `Public event type names; [] (the default) is every app-scoped type. One of: ${WEBHOOK_EVENT_TYPE_NAMES.join(', ')}.`,
});
// No maxLength here: a URL over the limit is invalid_webhook_url like any other bad URL, from
// the API and the CLI alike (the body limit bounds what is read).
const Url = Type.String({
  description: `Absolute https:// URL of at most ${MAX_WEBHOOK_URL_LENGTH} characters, without credentials (http:// and private addresses only with PASSKEYD_WEBHOOK_ALLOW_PRIVATE=true).`,
});
const Description = Type.Union([Type.String({ maxLength: MAX_DESCRIPTION_LENGTH }), Type.Null()]);

export const WebhookEndpointParams = Type.Object({
  appId: Type.String({ maxLength: 100 }),
  endpointId: Type.String({ maxLength: 100 }),
});
export const WebhookDeliveryParams = Type.Object({
  appId: Type.String({ maxLength: 100 }),
  deliveryId: Type.String({ maxLength: 100 }),
});

export const CreateWebhookBody = Type.Object({
  url: Url,
  event_types: Type.Optional(EventTypes),
  description: Type.Optional(Description),
  enabled: Type.Optional(Type.Boolean({ description: 'Default true.' })),
});

export const UpdateWebhookBody = Type.Partial(
  Type.Object({
    url: Url,
    event_types: EventTypes,
    description: Description,
    enabled: Type.Boolean({
      description: 'true re-enables, clearing disabled_reason and consecutive_failures.',
    }),
  }),
  { minProperties: 1 },
);

export const RotateSecretBody = Type.Object({
  grace_hours: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: MAX_GRACE_HOURS,
      description: 'Hours the old secret keeps signing beside the new one (default 24; 0: none).',
    }),
  ),
});

export const DeliveryListQuery = Type.Object({
  status: Type.Optional(
    Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
});

const endpointFields = {
  id: Type.String(),
  app_id: Type.String(),
  url: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  event_types: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  disabled_reason: Type.Union([Type.String(), Type.Null()], {
    description: 'Why passkeyd disabled it (too many failed deliveries); null otherwise.',
  }),
  consecutive_failures: Type.Integer(),
  previous_secret_expires_at: Type.Union([Timestamp, Type.Null()], {
    description: 'Until when the secret before the last rotation still signs; null: none.',
  }),
  created_at: Timestamp,
  updated_at: Timestamp,
};

export const WebhookEndpoint = Type.Object(endpointFields, { title: 'WebhookEndpoint' });

export const CreatedWebhookEndpoint = Type.Object(
  {
    ...endpointFields,
    secret: Type.String({ description: 'The signing secret (whsec_…), shown once.' }),
  },
  { title: 'CreatedWebhookEndpoint' },
);

export const RotatedSecret = Type.Object({
  secret: Type.String({ description: 'The new signing secret, shown once.' }),
  previous_secret_expires_at: NullableTimestamp,
});

const NullableInt = Type.Union([Type.Integer(), Type.Null()]);
const NullableString = Type.Union([Type.String(), Type.Null()]);

export const WebhookDelivery = Type.Object(
  {
    id: Type.String(),
    endpoint_id: Type.String(),
    event_type: Type.String(),
    source: Type.Union([Type.Literal('event'), Type.Literal('audit'), Type.Literal('test')]),
    source_id: Type.String({ description: 'webhook-id is msg_ + this.' }),
    status: Type.Union([
      Type.Literal('pending'),
      Type.Literal('delivered'),
      Type.Literal('failed'),
    ]),
    attempts: Type.Integer(),
    next_attempt_at: Timestamp,
    last_attempt_at: NullableTimestamp,
    last_status_code: NullableInt,
    last_latency_ms: NullableInt,
    last_error: NullableString,
    last_response_excerpt: NullableString,
    delivered_at: NullableTimestamp,
    created_at: Timestamp,
  },
  { title: 'WebhookDelivery' },
);
