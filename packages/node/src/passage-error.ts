/**
 * Every error code a {@link PassageError} can carry, as a value object so code written for
 * `@passageidentity/passage-flex-node` 1.x (`PassageErrorCode.UserNotFound`) keeps compiling.
 *
 * Server codes come from the passkeyd (and Passage) management API. Client codes are produced by
 * this SDK when no usable HTTP response exists; they always have `statusCode` 0.
 */
export const PassageErrorCode = {
  // Server: 400
  InvalidRequest: 'invalid_request',
  // Server: 401
  InvalidAccessToken: 'invalid_access_token',
  InvalidNonce: 'invalid_nonce',
  // Server: 403
  OperationNotAllowed: 'operation_not_allowed',
  CannotCreateTransaction: 'cannot_create_transaction',
  // Server: 404
  NotFound: 'not_found',
  AppNotFound: 'app_not_found',
  UserNotFound: 'user_not_found',
  DeviceNotFound: 'device_not_found',
  // Server: 409
  UserHasNoPasskeys: 'user_has_no_passkeys',
  /** passkeyd: revoking a user's last passkey under the app's guard; retry with `force`. */
  LastPasskey: 'last_passkey',
  // Server: 413
  PayloadTooLarge: 'payload_too_large',
  // Server: 429
  RateLimited: 'rate_limited',
  // Server: 5xx
  InternalServerError: 'internal_server_error',
  ServiceUnavailable: 'service_unavailable',
  // Client: thrown before any request is made.
  InvalidConfig: 'invalid_config',
  InvalidArgument: 'invalid_argument',
  // Client: the request could not complete or the answer was not passkeyd's.
  NetworkError: 'network_error',
  Timeout: 'timeout',
  UnexpectedResponse: 'unexpected_response',
} as const;

/** A known code, or any other string a newer server may send. */
export type PassageErrorCode =
  (typeof PassageErrorCode)[keyof typeof PassageErrorCode] | (string & Record<never, never>);

export interface PassageErrorOptions {
  cause?: unknown;
  /** From a 429's `Retry-After` header, in seconds. */
  retryAfterSeconds?: number;
}

/**
 * The one error type this SDK throws: from the server (HTTP status and its `code`), from input
 * validation (thrown before any request) and from the transport (network, timeout).
 *
 * @example
 * try {
 *   await passage.user.get('user-4821');
 * } catch (err) {
 *   if (err instanceof PassageError && err.errorCode === PassageErrorCode.UserNotFound) {
 *     // ...
 *   }
 * }
 */
export class PassageError extends Error {
  override readonly name = 'PassageError';
  /** HTTP status of the response; 0 when no HTTP response was involved (client-side errors). */
  readonly statusCode: number;
  /** The server's `code`, or one of the client codes in {@link PassageErrorCode}. */
  readonly errorCode: PassageErrorCode;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    statusCode: number,
    errorCode: PassageErrorCode,
    message: string,
    options: PassageErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.statusCode = statusCode;
    this.errorCode = errorCode;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /**
   * The 0.x SDK exposed the server's code as `statusText`; kept so its error handling still works.
   * @deprecated Use {@link PassageError.errorCode}.
   */
  get statusText(): PassageErrorCode {
    return this.errorCode;
  }
}

/** An argument problem found before any request is made. */
export function invalidArgument(message: string): PassageError {
  return new PassageError(0, PassageErrorCode.InvalidArgument, message);
}

/** A constructor option problem. */
export function invalidConfig(message: string): PassageError {
  return new PassageError(0, PassageErrorCode.InvalidConfig, message);
}
