import { Type } from 'typebox';
import { NullableTimestamp, Timestamp } from './common.js';
import { hintsSchema } from './management.js';

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

const Aaguid = Type.String({
  pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  maxLength: 36,
});

const settings = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  rp_id: Type.String({ minLength: 1, maxLength: 253 }),
  rp_name: Type.String({ minLength: 1, maxLength: 200 }),
  origins: Type.Array(Type.String({ maxLength: 300 }), {
    minItems: 1,
    maxItems: 50,
    description:
      'Web origins on the RP ID (https://…) and Android app origins (android:apk-key-hash:…).',
  }),
  related_origins: Type.Array(Type.String({ maxLength: 300 }), {
    maxItems: 50,
    description:
      'https origins off the RP ID, for Related Origin Requests (WebAuthn L3 §5.11); served at /.well-known/webauthn.',
  }),
  user_verification: UV,
  authenticator_attachment: Attachment,
  ceremony_timeout_ms: Type.Integer({ minimum: 10_000, maximum: 3_600_000 }),
  transaction_ttl_seconds: Type.Union([
    Type.Integer({ minimum: 10, maximum: 86_400 }),
    Type.Null(),
  ]),
  hints: hintsSchema(
    "Default WebAuthn `hints` of the app's ceremonies, most preferred first; a transaction's " +
      'own `hints` replace them. `[]` (the default) sends none.',
  ),
  prevent_last_passkey_removal: Type.Boolean({
    description:
      "Refuse revoking a user's last passkey with 409 `last_passkey` unless `?force=true` " +
      '(default false).',
  }),
  // Attestation and authenticator policy (docs/attestation.md).
  attestation: Type.Union(
    [Type.Literal('none'), Type.Literal('direct'), Type.Literal('enterprise')],
    {
      description: 'WebAuthn attestation conveyance asked for at registration (default none).',
    },
  ),
  aaguid_policy: Type.Union([Type.Literal('any'), Type.Literal('allow'), Type.Literal('deny')], {
    description: 'any (default): no list; allow: only the listed AAGUIDs; deny: all but them.',
  }),
  aaguids: Type.Array(Aaguid, { maxItems: 500 }),
  require_fido_certified: Type.Boolean({
    description: 'Only authenticators whose FIDO metadata has a FIDO_CERTIFIED* status.',
  }),
};

export const CreateAppBody = Type.Object({
  name: settings.name,
  rp_id: settings.rp_id,
  origins: settings.origins,
  related_origins: Type.Optional(settings.related_origins),
  rp_name: Type.Optional(settings.rp_name),
  user_verification: Type.Optional(settings.user_verification),
  authenticator_attachment: Type.Optional(settings.authenticator_attachment),
  ceremony_timeout_ms: Type.Optional(settings.ceremony_timeout_ms),
  transaction_ttl_seconds: Type.Optional(settings.transaction_ttl_seconds),
  hints: Type.Optional(settings.hints),
  prevent_last_passkey_removal: Type.Optional(settings.prevent_last_passkey_removal),
  attestation: Type.Optional(settings.attestation),
  aaguid_policy: Type.Optional(settings.aaguid_policy),
  aaguids: Type.Optional(settings.aaguids),
  require_fido_certified: Type.Optional(settings.require_fido_certified),
});
export const UpdateAppBody = Type.Partial(Type.Object(settings), { minProperties: 1 });

export const AdminApp = Type.Object(
  {
    id: Type.String(),
    ...settings,
    warnings: Type.Array(Type.String(), {
      description:
        'Advice about the settings, such as more related-origin labels than browsers honour.',
    }),
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

/** POST /v1/admin/apps answers with the app and its first API key. */
export const AppWithKey = Type.Object({
  app: Type.Ref('AdminApp'),
  api_key: Type.String({ description: 'Shown once.' }),
  api_key_id: Type.String(),
});

const count = (description: string) => Type.Integer({ minimum: 0, description });

/** What DELETE /v1/admin/apps/{app_id} removed, per kind (domain/apps/apps.ts deleteApp). */
export const DeletedAppRows = Type.Object({
  keys: count('API keys, revoked or not'),
  webhook_endpoints: count('webhook endpoints, each with its deliveries'),
  users: count('users'),
  passkeys: count('passkeys'),
  events: count('passkey events'),
  transactions: count('transactions, finished or not'),
  handshakes: count('WebAuthn challenges, answered or not'),
  nonces: count('nonces, redeemed or not'),
});

export const CreateKeyBody = Type.Object({ name: Type.Optional(Type.String({ maxLength: 200 })) });
export const KeyParams = Type.Object({
  appId: Type.String({ maxLength: 100 }),
  keyId: Type.String({ maxLength: 100 }),
});

export const MobileStatementsQuery = Type.Object({
  android_package: Type.Optional(Type.String({ maxLength: 255 })),
  apple_app_id: Type.Optional(Type.String({ maxLength: 255 })),
});

export const AppWellKnown = Type.Object(
  {
    webauthn: Type.Object({ origins: Type.Array(Type.String()) }),
    assetlinks: Type.Array(
      Type.Object({
        relation: Type.Array(Type.String()),
        target: Type.Object({
          namespace: Type.Literal('android_app'),
          package_name: Type.String(),
          sha256_cert_fingerprints: Type.Array(Type.String()),
        }),
      }),
    ),
    apple_app_site_association: Type.Object({
      webcredentials: Type.Object({ apps: Type.Array(Type.String()) }),
    }),
    warnings: Type.Array(Type.String()),
  },
  { title: 'AppWellKnown' },
);
