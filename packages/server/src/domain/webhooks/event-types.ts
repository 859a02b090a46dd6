/**
 * The public names of every webhook event type (issue 15 item 6), with a sentence each for the
 * docs and the console. Passkey and user events come from `events` rows, mapped from their
 * internal names in migration 012; `admin.*`, `import.completed` and `webhook.endpoint_disabled`
 * are audit rows, which carry their public name already. An endpoint's `event_types` may only
 * name these (`webhook.test` is not subscribable: a test is sent to the endpoint it names).
 */
export const WEBHOOK_EVENT_TYPES = {
  'passkey.registered': 'A user registered a passkey.',
  'passkey.registration_refused':
    "A registration was refused by the app's authenticator policy (the code is in detail).",
  'passkey.authenticated': 'A user signed in with a passkey.',
  'passkey.authentication_failed': 'A sign-in failed verification (the code is in detail).',
  'passkey.renamed': 'A passkey was renamed.',
  'passkey.revoked': 'A passkey was revoked, by its user, the app backend or an operator.',
  'passkey.counter_regression':
    'A sign-in was refused because the sign counter went backwards: the passkey may be cloned.',
  'passkey.backup_eligibility_changed':
    'A sign-in was refused because the passkey’s backup eligibility changed since registration.',
  'user.deleted': 'A user was deleted, with all of their passkeys.',
  'import.completed': 'A passkey import into the app finished.',
  'admin.app.created': 'An operator created the app.',
  'admin.app.updated': "An operator changed the app's settings.",
  'admin.app.deleted': 'An operator deleted the app.',
  'admin.api_key.created': 'An operator created an API key.',
  'admin.api_key.revoked': 'An operator revoked an API key.',
  'admin.user.deleted': 'An operator deleted a user.',
  'admin.passkey.revoked': 'An operator revoked a passkey.',
  'admin.console.signed_in': 'Someone signed in to the admin console (instance-wide).',
  'admin.console.signed_out': 'Someone signed out of the admin console (instance-wide).',
  'admin.console.sessions_ended': 'Every console session was ended (instance-wide).',
  'admin.webhook.created': 'An operator added a webhook endpoint.',
  'admin.webhook.updated': 'An operator changed a webhook endpoint.',
  'admin.webhook.deleted': 'An operator deleted a webhook endpoint.',
  'admin.webhook.secret_rotated': "An operator rotated a webhook endpoint's signing secret.",
  'admin.webhook.redelivered': 'An operator asked for a delivery to be sent again.',
  'admin.mds.imported': 'A FIDO metadata BLOB was imported (instance-wide).',
  'admin.settings.reloaded': 'The server re-read its settings on SIGHUP (instance-wide).',
  'webhook.endpoint_disabled':
    'passkeyd disabled a webhook endpoint after too many failed deliveries.',
} as const satisfies Record<string, string>;

export type WebhookEventType = keyof typeof WEBHOOK_EVENT_TYPES;

/** Every public name, in the order above (docs, console checkboxes, OpenAPI enum). */
export const WEBHOOK_EVENT_TYPE_NAMES = Object.keys(WEBHOOK_EVENT_TYPES) as WebhookEventType[];

/**
 * Types with no app: their audit rows have app_id NULL, so migration 012 sends them only to
 * endpoints that list them explicitly, never to an "every type" ([]) endpoint.
 */
export const INSTANCE_WIDE_EVENT_TYPES: readonly WebhookEventType[] = [
  'admin.console.signed_in',
  'admin.console.signed_out',
  'admin.console.sessions_ended',
  'admin.mds.imported',
  'admin.settings.reloaded',
];

/** The type of the deliveries `send test` creates; not subscribable. */
export const WEBHOOK_TEST_TYPE = 'webhook.test';

export function isWebhookEventType(name: string): name is WebhookEventType {
  return Object.hasOwn(WEBHOOK_EVENT_TYPES, name);
}
