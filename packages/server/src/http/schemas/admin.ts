import { Type } from 'typebox';
import { NullableTimestamp, Timestamp } from './common.js';

const UV = Type.Union([
  Type.Literal('required'),
  Type.Literal('preferred'),
  Type.Literal('discouraged'),
]);
const Attachment = Type.Union([
  Type.Literal('platform'),
  Type.Literal('cross-platform'),
  Type.Null(),
]);

const settings = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  rp_id: Type.String({ minLength: 1, maxLength: 253 }),
  rp_name: Type.String({ minLength: 1, maxLength: 200 }),
  origins: Type.Array(Type.String({ maxLength: 300 }), { minItems: 1, maxItems: 50 }),
  user_verification: UV,
  authenticator_attachment: Attachment,
  ceremony_timeout_ms: Type.Integer({ minimum: 10_000, maximum: 3_600_000 }),
  transaction_ttl_seconds: Type.Union([
    Type.Integer({ minimum: 10, maximum: 86_400 }),
    Type.Null(),
  ]),
};

export const CreateAppBody = Type.Object({
  name: settings.name,
  rp_id: settings.rp_id,
  origins: settings.origins,
  rp_name: Type.Optional(settings.rp_name),
  user_verification: Type.Optional(settings.user_verification),
  authenticator_attachment: Type.Optional(settings.authenticator_attachment),
  ceremony_timeout_ms: Type.Optional(settings.ceremony_timeout_ms),
  transaction_ttl_seconds: Type.Optional(settings.transaction_ttl_seconds),
});
export const UpdateAppBody = Type.Partial(Type.Object(settings), { minProperties: 1 });

export const AdminApp = Type.Object(
  {
    id: Type.String(),
    ...settings,
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { $id: 'AdminApp', title: 'AdminApp' },
);

export const AdminApiKey = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    prefix: Type.String(),
    created_at: Timestamp,
    last_used_at: NullableTimestamp,
    revoked_at: NullableTimestamp,
  },
  { $id: 'AdminApiKey', title: 'AdminApiKey' },
);

export const CreateKeyBody = Type.Object({ name: Type.Optional(Type.String({ maxLength: 200 })) });
export const KeyParams = Type.Object({
  appId: Type.String({ maxLength: 100 }),
  keyId: Type.String({ maxLength: 100 }),
});
