/**
 * The one registry of error codes passkeyd answers with. Codes are stable API: clients switch on
 * them. Where Passage had a code for the same failure (passage-wire.md §2.7, §3.2) we use Passage's
 * name so migrated clients keep working; the rest are ours and are documented in docs/errors.md
 * (a test checks both directions).
 */
export const ERROR_CODES = {
  // Request shape
  invalid_request: { status: 400, message: 'The request is malformed.' },
  malformed_response: {
    status: 400,
    message: 'The WebAuthn response could not be decoded (bad base64, JSON or CBOR).',
  },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  not_found: { status: 404, message: 'No such endpoint.' },
  rate_limited: { status: 429, message: 'Too many requests; retry later.' },
  internal_server_error: { status: 500, message: 'Internal server error.' },
  service_unavailable: { status: 503, message: 'The service is not ready.' },
  console_not_built: {
    status: 503,
    message: 'The admin console is not built: run `npm run build` (it builds packages/console).',
  },

  // Tenancy and credentials of callers
  app_not_found: { status: 404, message: 'App not found.' },
  invalid_access_token: { status: 401, message: 'Invalid access token.' },
  invalid_admin_token: { status: 401, message: 'Invalid admin token.' },
  invalid_metrics_token: { status: 401, message: 'Invalid metrics token.' },
  admin_api_disabled: {
    status: 403,
    message: 'The admin API is disabled: set PASSKEYD_ADMIN_TOKEN to enable it.',
  },
  api_key_not_found: { status: 404, message: 'API key not found.' },
  console_session_expired: {
    status: 401,
    message: 'The console session has expired or was signed out; sign in again.',
  },
  cross_origin_request: {
    status: 403,
    message:
      "Cross-origin request refused: console requests must come from this server's own origin.",
  },

  // Transactions, handshakes (challenges) and nonces
  transaction_not_found: { status: 404, message: 'Transaction not found.' },
  transaction_expired: { status: 410, message: 'The transaction has expired.' },
  transaction_consumed: { status: 410, message: 'The transaction has already been used.' },
  handshake_not_found: { status: 404, message: 'Handshake not found.' },
  handshake_expired: { status: 410, message: 'The handshake (challenge) has expired.' },
  handshake_consumed: { status: 410, message: 'The handshake (challenge) has already been used.' },
  invalid_nonce: { status: 401, message: 'nonce is invalid, expired, or cannot be found' },

  // Users and passkeys
  user_not_found: { status: 404, message: 'User not found.' },
  user_not_active: {
    status: 403,
    message: 'The user is not active: inactive users cannot register passkeys or sign in.',
  },
  device_not_found: { status: 404, message: 'Device not found.' },
  user_has_no_passkeys: { status: 409, message: 'The user has no passkeys.' },
  credential_already_registered: {
    status: 409,
    message: 'This passkey is already registered.',
  },
  last_passkey: {
    status: 409,
    message:
      "This is the user's last passkey and the app prevents removing it (prevent_last_passkey_removal); retry with ?force=true to remove it anyway.",
  },

  // Passkey import (docs/migration.md): codes of refused records in an import report
  invalid_public_key: {
    status: 400,
    message: 'The public key does not parse, or does not match its algorithm.',
  },
  user_handle_conflict: {
    status: 409,
    message:
      'Another WebAuthn user handle is already bound to this user, or this handle to another user.',
  },

  // Webhooks (docs/webhooks.md)
  webhook_not_found: { status: 404, message: 'Webhook endpoint not found.' },
  delivery_not_found: { status: 404, message: 'Webhook delivery not found.' },
  invalid_webhook_url: {
    status: 400,
    message:
      'The webhook URL must be an absolute https:// URL (http:// and private addresses only with PASSKEYD_WEBHOOK_ALLOW_PRIVATE=true), without credentials, at most 2048 characters.',
  },
  webhook_limit_reached: {
    status: 409,
    message: 'The app already has 20 webhook endpoints, the most it may have; delete one first.',
  },
  unknown_event_type: {
    status: 400,
    message: 'An event type is not one passkeyd sends (docs/webhooks.md lists them).',
  },

  // WebAuthn verification
  origin_mismatch: { status: 401, message: 'The origin is not allowed for this app.' },
  rp_id_mismatch: { status: 401, message: 'The relying party ID does not match this app.' },
  challenge_mismatch: { status: 401, message: 'The challenge does not match the handshake.' },
  ceremony_type_mismatch: {
    status: 401,
    message: 'The client data type is wrong for this ceremony.',
  },
  user_presence_required: {
    status: 401,
    message: 'The authenticator did not report user presence.',
  },
  user_verification_required: {
    status: 401,
    message: 'This app requires user verification (PIN or biometrics).',
  },
  unsupported_algorithm: { status: 400, message: 'The public key algorithm is not supported.' },
  weak_public_key: {
    status: 400,
    message:
      'The public key is too weak: RSA keys need a 2048-16384 bit modulus and exponent 65537.',
  },
  credential_id_too_long: {
    status: 400,
    message: 'The credential id is longer than 1023 bytes (WebAuthn §7.1).',
  },
  authenticator_not_allowed: {
    status: 403,
    message: "This app's authenticator policy does not allow this authenticator.",
  },
  invalid_mds_blob: {
    status: 400,
    message:
      'The FIDO metadata BLOB is malformed, not signed by a chain to the FIDO root, or not newer than the stored one.',
  },
  webauthn_registration_failed: {
    status: 400,
    message: 'The passkey registration could not be verified.',
  },
  credential_not_found: { status: 401, message: 'This passkey is not registered with this app.' },
  credential_not_allowed: {
    status: 403,
    message: 'This passkey belongs to another user.',
  },
  user_handle_mismatch: { status: 401, message: 'The user handle does not match the passkey.' },
  invalid_signature: { status: 401, message: 'The passkey signature is invalid.' },
  counter_regression: {
    status: 401,
    message: 'The sign counter went backwards: this passkey may have been cloned.',
  },
  backup_eligibility_changed: {
    status: 401,
    message:
      'The backup eligibility of this passkey changed since it was registered (WebAuthn §7.2): refused.',
  },
  webauthn_login_failed: { status: 401, message: 'The passkey sign-in could not be verified.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An expected failure caused by input or state, answered with its code and status. */
export class PasskeydError extends Error {
  override readonly name = 'PasskeydError';
  readonly code: ErrorCode;
  readonly status: number;
  /** Safe to show to the client (never secrets, never internals). */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    opts: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message ?? ERROR_CODES[code].message, { cause: opts.cause });
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.details = opts.details;
  }

  toJSON(): { code: ErrorCode; error: string } {
    return { code: this.code, error: this.message };
  }
}

export function isPasskeydError(e: unknown): e is PasskeydError {
  return e instanceof PasskeydError;
}
