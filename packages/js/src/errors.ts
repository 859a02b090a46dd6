/**
 * Errors raised by this SDK in the browser itself (WebAuthn, network, misuse). Each has a
 * stable `code`; the README lists them and the test in errors.test.ts keeps the list honest.
 */
export type ClientErrorCode =
  /** NotAllowedError: the user dismissed the prompt, it timed out, or no passkey matched. */
  | 'user_cancelled'
  /** The ceremony was aborted: by the app, or because another ceremony started. */
  | 'aborted'
  /** InvalidStateError on create: this authenticator already holds a passkey for the user. Also a 409 from the server. */
  | 'credential_already_registered'
  /** register() with conditional mediation where the browser has no conditional create. */
  | 'conditional_create_unsupported'
  /** The browser has no WebAuthn (no PublicKeyCredential). */
  | 'webauthn_unsupported'
  /** The page is not a secure context (https, or http://localhost). */
  | 'insecure_context'
  /** SecurityError: the RP ID is not valid for this page's origin. */
  | 'webauthn_security_error'
  /** Any other WebAuthn failure (NotSupportedError, UnknownError, a null credential, ...). */
  | 'webauthn_failed'
  /** fetch failed: offline, DNS, TLS, or a CORS rejection (the origin is not allowed by the server). */
  | 'network_error'
  /** The server answered 2xx with something that is not the expected JSON, or with unusable options. */
  | 'invalid_server_response'
  /** The server answered non-2xx without a JSON `{code}` body (a proxy error page, for example). */
  | 'http_error'
  /** A method was called with a missing or malformed argument. */
  | 'invalid_argument'
  /** `new PassageFlex(appId, { baseUrl })` was given an empty app ID or an unusable base URL. */
  | 'invalid_config';

/**
 * Codes the passkeyd server sends that a browser can meet: every code of the server's registry
 * except those only its backend, admin and import APIs answer with (public-api.test.ts checks
 * this against the server). Any other code is passed through unchanged.
 */
export type ServerErrorCode =
  | 'invalid_request'
  | 'malformed_response'
  | 'payload_too_large'
  | 'not_found'
  | 'rate_limited'
  | 'internal_server_error'
  | 'service_unavailable'
  | 'app_not_found'
  | 'transaction_not_found'
  | 'transaction_expired'
  | 'transaction_consumed'
  | 'user_has_no_passkeys'
  | 'handshake_not_found'
  | 'handshake_expired'
  | 'handshake_consumed'
  | 'credential_already_registered'
  | 'origin_mismatch'
  | 'rp_id_mismatch'
  | 'challenge_mismatch'
  | 'ceremony_type_mismatch'
  | 'user_presence_required'
  | 'user_verification_required'
  | 'unsupported_algorithm'
  | 'weak_public_key'
  | 'credential_id_too_long'
  | 'webauthn_registration_failed'
  | 'credential_not_found'
  | 'credential_not_allowed'
  | 'user_handle_mismatch'
  | 'invalid_signature'
  | 'counter_regression'
  | 'backup_eligibility_changed'
  | 'user_not_active'
  | 'authenticator_not_allowed'
  | 'webauthn_login_failed';

// `string & {}` keeps editor completion for the known codes while allowing any server code.
export type PasskeydErrorCode = ClientErrorCode | ServerErrorCode | (string & {});

export interface PasskeydErrorOptions {
  /** HTTP status, present when the error came from the server. */
  status?: number;
  /**
   * passage-flex-js's `statusCode`: defaults to `status`; 707 or 702 for a failed
   * `navigator.credentials.create` or `.get` (see {@link WEBAUTHN_CREATE_FAILED}).
   */
  statusCode?: number;
  /** passage-flex-js's `statusText`: the HTTP reason phrase, or the DOMException's message. */
  statusText?: string;
  cause?: unknown;
}

/**
 * passage-flex-js's pseudo-status for a failed `navigator.credentials.create` (its enum name:
 * PSGParsePublicKeyForRegistrationFailed), kept so apps written for it branch the same way.
 */
export const WEBAUTHN_CREATE_FAILED = 707;
/** passage-flex-js's pseudo-status for a failed `navigator.credentials.get` (PSGParsePublicKeyForLoginFailed). */
export const WEBAUTHN_GET_FAILED = 702;

/**
 * The one error type every SDK method rejects with. It is also exported as `PassageError` and
 * named `'PassageError'`, with passage-flex-js's `statusCode` and `statusText`, so code written
 * for Passage's SDK recognises it unchanged; new code should switch on `code`.
 *
 * @example
 * ```ts
 * try {
 *   nonce = await flex.passkey.register(transactionId);
 * } catch (err) {
 *   if (isPasskeydError(err, 'user_cancelled')) return; // the user closed the prompt
 *   if (isPasskeydError(err, 'credential_already_registered')) showAlreadyHavePasskey();
 *   else throw err;
 * }
 * ```
 */
export class PasskeydError extends Error {
  // passage-flex-js exports no error class, so an app written for it can only recognise its
  // errors by this name (passage-wire.md §5.2).
  override readonly name = 'PassageError';
  readonly code: PasskeydErrorCode;
  /** HTTP status for errors the server returned; undefined for errors raised in the browser. */
  readonly status: number | undefined;
  /**
   * As in passage-flex-js: the HTTP status for server errors, 707 when
   * `navigator.credentials.create` failed, 702 when `.get` failed; undefined otherwise (where
   * passage-flex-js threw something other than a PassageError).
   */
  readonly statusCode: number | undefined;
  /**
   * As in passage-flex-js: the HTTP reason phrase for server errors (empty over HTTP/2), the
   * DOMException's message for WebAuthn failures, otherwise empty.
   */
  readonly statusText: string;

  constructor(code: PasskeydErrorCode, message: string, options: PasskeydErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.statusCode = options.statusCode ?? options.status;
    this.statusText = options.statusText ?? '';
  }
}

/** Names this SDK's errors have carried: 0.1 named them `PasskeydError`. */
const ERROR_NAMES: readonly unknown[] = ['PassageError', 'PasskeydError'];

/**
 * True when `err` is a PasskeydError (optionally with the given code). Duck-typed so it also
 * works across two copies of the SDK (for example a bundle and a `<script>` tag), older ones included.
 */
export function isPasskeydError(err: unknown, code?: PasskeydErrorCode): err is PasskeydError {
  if (typeof err !== 'object' || err === null) return false;
  const candidate = err as { name?: unknown; code?: unknown };
  // A `code` tells ours apart from passage-flex-js's own PassageError, which has none.
  if (!ERROR_NAMES.includes(candidate.name) || typeof candidate.code !== 'string') return false;
  return code === undefined || candidate.code === code;
}
