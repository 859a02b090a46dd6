import { PassageError } from '@passkeyd/node';

/**
 * Every failure this app reports to the browser, with its status and the message a user sees.
 * Messages say what happened and what to do next; they never carry internals.
 */
export const APP_ERRORS = {
  bad_request: {
    status: 400,
    message: 'The request was not understood. Reload the page and try again.',
  },
  invalid_email: { status: 400, message: 'Enter a valid email address.' },
  invalid_passkey_name: { status: 400, message: 'A passkey name needs 1 to 100 characters.' },
  email_taken: {
    status: 409,
    message: 'An account with this email already exists. Sign in with your passkey instead.',
  },
  sign_up_in_progress: {
    status: 409,
    message:
      'A sign-up for this email was started in another browser. Finish it there, or try again in 15 minutes.',
  },
  unknown_email: {
    status: 404,
    message: 'No account uses this email. Check it, or create an account.',
  },
  no_passkeys: {
    status: 409,
    message: 'This account has no passkeys left. Create the account again to add one.',
  },
  sign_up_expired: { status: 400, message: 'Your sign-up took too long. Please start again.' },
  passkey_for_other_account: {
    status: 403,
    message: 'That passkey belongs to a different account, so you were not signed in.',
  },
  unknown_account: {
    status: 401,
    message: 'This passkey is not linked to an account here. Create an account first.',
  },
  not_a_sign_in: {
    status: 401,
    message: 'That confirmation came from creating a passkey, not from signing in. Please sign in.',
  },
  confirmation_failed: {
    status: 401,
    message:
      'Your passkey worked, but its confirmation expired or was already used. Please try again.',
  },
  passkey_not_found: { status: 404, message: 'That passkey no longer exists. Reload the page.' },
  last_passkey: {
    status: 409,
    message:
      'This is your only passkey. Add another one before revoking it, or you could not sign in again.',
  },
  sign_in_required: { status: 401, message: 'Please sign in first.' },
  cross_origin_request: { status: 403, message: 'Requests from other sites are not allowed.' },
  not_found: { status: 404, message: 'There is nothing at this address.' },
  passkey_service_unavailable: {
    status: 503,
    message: 'The passkey service cannot be reached right now. Please try again in a moment.',
  },
  internal_error: { status: 500, message: 'Something went wrong on our side. Please try again.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type AppErrorCode = keyof typeof APP_ERRORS;

export class AppError extends Error {
  override readonly name = 'AppError';
  readonly status: number;
  constructor(readonly code: AppErrorCode) {
    super(APP_ERRORS[code].message);
    this.status = APP_ERRORS[code].status;
  }
}

/**
 * What a failure means to the user. passkeyd's codes (through @passkeyd/node) become this app's
 * codes; anything unexpected is an internal error, logged here and never shown.
 */
export function toAppError(err: unknown): { error: AppError; unexpected: boolean } {
  if (err instanceof AppError) return { error: err, unexpected: false };
  if (err instanceof PassageError) {
    switch (err.errorCode) {
      case 'invalid_nonce':
        return { error: new AppError('confirmation_failed'), unexpected: false };
      case 'user_has_no_passkeys':
        return { error: new AppError('no_passkeys'), unexpected: false };
      case 'device_not_found':
        return { error: new AppError('passkey_not_found'), unexpected: false };
      case 'network_error':
      case 'timeout':
      case 'rate_limited':
      case 'service_unavailable':
        return { error: new AppError('passkey_service_unavailable'), unexpected: true };
    }
  }
  // express.json()'s errors for a malformed or oversized body carry a 4xx `status`.
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500)
    return { error: new AppError('bad_request'), unexpected: false };
  return { error: new AppError('internal_error'), unexpected: true };
}
