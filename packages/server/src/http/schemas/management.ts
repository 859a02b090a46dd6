import { Type, type TSchema } from 'typebox';
import { DEVICE_PAGE_DEFAULT, DEVICE_PAGE_MAX } from '../../domain/users.js';
import { NullableTimestamp, Timestamp } from './common.js';

/** WebAuthn L3 §5.8.7 hints, most preferred first (unknown values are refused, not ignored). */
export const hintsSchema = (description: string) =>
  Type.Array(
    Type.Union([
      Type.Literal('security-key'),
      Type.Literal('client-device'),
      Type.Literal('hybrid'),
    ]),
    { maxItems: 3, uniqueItems: true, description },
  );
const Hints = hintsSchema(
  'passkeyd extension: WebAuthn `hints` (L3 §5.4) for this ceremony, most preferred first, ' +
    "replacing the app's default; `[]` sends none. Browsers use them to choose which " +
    'authenticator to offer first (a security key, this device, a phone).',
);

export const CreateRegisterTransactionBody = Type.Object({
  external_id: Type.String({ minLength: 1, maxLength: 255 }),
  passkey_display_name: Type.String({ minLength: 1, maxLength: 255 }),
  supersede_pending: Type.Optional(
    Type.Boolean({
      default: false,
      description:
        "passkeyd extension: true ends the user's earlier unfinished register transactions " +
        'in the same database transaction, so only the new one can register a passkey; the ' +
        'old ids then answer 410 `transaction_consumed`.',
    }),
  ),
  mediation: Type.Optional(
    Type.Literal('conditional', {
      description:
        'passkeyd extension: `conditional` makes the transaction for an automatic passkey ' +
        "upgrade (WebAuthn L3 conditional create, @passkeyd/js `register(id, { mediation: 'conditional' })`). " +
        'Only such a transaction accepts a passkey created without user presence (UP=0); ' +
        'a modal registration still completes it. Omit it otherwise: UP=0 is then refused ' +
        'with 401 `user_presence_required`.',
    }),
  ),
  hints: Type.Optional(Hints),
});
export const CreateAuthenticateTransactionBody = Type.Object({
  external_id: Type.String({ minLength: 1, maxLength: 255 }),
  hints: Type.Optional(Hints),
  user_verification: Type.Optional(
    Type.Literal('required', {
      description:
        'passkeyd extension: step-up. This sign-in must verify the user (PIN, biometrics) ' +
        "whatever the app's policy: the options ask for it and a finish without the UV flag is " +
        '401 `user_verification_required`.',
    }),
  ),
});
export const TransactionCreated = Type.Object({ transaction_id: Type.String() });
export const VerifyNonceBody = Type.Object({
  nonce: Type.String({ minLength: 1, maxLength: 200 }),
});
const nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
export const VerifyNonceResponse = Type.Object({
  external_id: Type.String({
    description: 'The user the nonce proves (all Passage SDKs read it).',
  }),
  ceremony: Type.Union([Type.Literal('register'), Type.Literal('authenticate')], {
    description:
      'passkeyd extension, like the fields below: which ceremony issued the nonce. Only ' +
      '`authenticate` should start a sign-in session (docs/security.md).',
  }),
  credential_id: nullable(
    Type.String({ description: 'WebAuthn credential id (base64url), as the device `cred_id`.' }),
  ),
  device_id: nullable(Type.String({ description: 'The passkey (device `id`).' })),
  transaction_id: nullable(
    Type.String({
      description: 'The transaction the ceremony used; null for a discoverable sign-in.',
    }),
  ),
  user_verified: nullable(Type.Boolean({ description: 'The UV flag of this ceremony.' })),
  backed_up: nullable(Type.Boolean({ description: 'The BS flag of this ceremony.' })),
  authenticator_name: nullable(
    Type.String({ description: 'Authenticator model from the AAGUID, when known.' }),
  ),
  authenticated_at: Type.String({
    format: 'date-time',
    description: 'When the ceremony finished (the nonce was issued).',
  }),
});

export const Device = Type.Object(
  {
    id: Type.String(),
    cred_id: Type.String(),
    friendly_name: Type.String(),
    type: Type.Union([
      Type.Literal('passkey'),
      Type.Literal('security_key'),
      Type.Literal('platform'),
    ]),
    usage_count: Type.Integer(),
    created_at: Timestamp,
    updated_at: Timestamp,
    last_login_at: NullableTimestamp,
    icons: Type.Object({
      light: Type.Union([Type.String(), Type.Null()]),
      dark: Type.Union([Type.String(), Type.Null()]),
    }),
    authenticator_name: Type.Union([Type.String(), Type.Null()]),
    aaguid: Type.String(),
    backup_eligible: Type.Boolean(),
    backed_up: Type.Boolean(),
    transports: Type.Array(Type.String()),
  },
  { $id: 'Device', title: 'Device' },
);

export const UserEvent = Type.Object(
  {
    id: Type.String(),
    type: Type.String(),
    action: Type.String(),
    status: Type.String(),
    created_at: Timestamp,
    completed_at: NullableTimestamp,
    ip_addr: Type.String(),
    user_agent: Type.String(),
    user_agent_display: Type.String(),
    social_login_type: Type.Null(),
  },
  { $id: 'UserEvent', title: 'UserEvent' },
);

const userFields = {
  id: Type.String(),
  external_id: Type.String(),
  status: Type.String(),
  email: Type.String(),
  email_verified: Type.Boolean(),
  phone: Type.String(),
  phone_verified: Type.Boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
  last_login_at: NullableTimestamp,
  login_count: Type.Integer(),
  user_metadata: Type.Object({}, { additionalProperties: true }),
  webauthn_user_id: Type.String({
    description: 'passkeyd extension: the WebAuthn user handle, base64url.',
  }),
};

export const ListedUser = Type.Object(userFields, { $id: 'ListedUser', title: 'ListedUser' });
export const User = Type.Object(
  {
    ...userFields,
    webauthn: Type.Boolean(),
    webauthn_types: Type.Array(Type.String()),
    webauthn_devices: Type.Array(Type.Ref('Device')),
    recent_events: Type.Array(Type.Ref('UserEvent')),
    social_connections: Type.Object({}),
  },
  { $id: 'User', title: 'User' },
);

export const ListUsersQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, default: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 20 })),
  identifier: Type.Optional(Type.String({ maxLength: 255, description: 'Exact external id.' })),
  created_before: Type.Optional(Type.Integer()),
  order_by: Type.Optional(Type.String({ maxLength: 200 })),
});

const link = Type.Object({ href: Type.String() });
export const ListUsersResponse = Type.Object({
  _links: Type.Object({ first: link, last: link, next: link, previous: link, self: link }),
  created_before: Type.Integer(),
  limit: Type.Integer(),
  page: Type.Integer(),
  total_users: Type.Integer(),
  users: Type.Array(Type.Ref('ListedUser')),
});

export const UserParams = Type.Object({
  appId: Type.String({ maxLength: 100 }),
  userId: Type.String({ maxLength: 100 }),
});
export const DeviceParams = Type.Object({
  appId: Type.String({ maxLength: 100 }),
  userId: Type.String({ maxLength: 100 }),
  deviceId: Type.String({ maxLength: 100 }),
});
export const ListDevicesQuery = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 1 })),
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: DEVICE_PAGE_MAX,
      default: DEVICE_PAGE_DEFAULT,
      description: 'Page size; the default page holds every passkey of a typical user.',
    }),
  ),
});
export const ListDevicesResponse = Type.Object({
  devices: Type.Array(Type.Ref('Device')),
  page: Type.Integer({ description: 'passkeyd extension: the page returned, from 1.' }),
  limit: Type.Integer({ description: 'passkeyd extension: the page size.' }),
  total_devices: Type.Integer({
    description: 'passkeyd extension: how many passkeys the user has in all.',
  }),
});
export const RevokeDeviceQuery = Type.Object({
  force: Type.Optional(
    Type.Boolean({
      default: false,
      description:
        "passkeyd extension: true removes the user's last passkey even when the app has " +
        '`prevent_last_passkey_removal` on (otherwise 409 `last_passkey`).',
    }),
  ),
});
export const RenameDeviceBody = Type.Object({
  friendly_name: Type.String({ minLength: 1, maxLength: 255 }),
});

export const AppInfo = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    auth_origin: Type.String(),
    type: Type.Literal('flex'),
    additional_auth_origins: Type.Array(Type.String()),
    created_at: Timestamp,
    rp_id: Type.String(),
    user_metadata_schema: Type.Array(Type.Unknown()),
    technologies: Type.Array(Type.Unknown()),
    layouts: Type.Object({
      profile: Type.Array(Type.Unknown()),
      registration: Type.Array(Type.Unknown()),
    }),
    auth_methods: Type.Null(),
    element_customization: Type.Null(),
    element_customization_dark: Type.Null(),
  },
  { $id: 'AppInfo', title: 'AppInfo' },
);
