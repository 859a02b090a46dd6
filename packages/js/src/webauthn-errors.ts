import { PasskeydError } from './errors.js';

export type Ceremony = 'create' | 'get';

/**
 * Maps what navigator.credentials.create/get rejected with to a PasskeydError. Browsers report
 * WebAuthn failures as DOMExceptions whose `name` is the only stable part
 * (https://w3c.github.io/webauthn/#sctn-createCredential, #sctn-getAssertion).
 */
export function fromWebAuthnError(
  err: unknown,
  ceremony: Ceremony,
  signal?: AbortSignal,
): PasskeydError {
  // An aborted request rejects with the signal's reason, which the app may have made anything.
  if (signal?.aborted)
    return new PasskeydError('aborted', 'The passkey request was aborted.', { cause: err });
  const name =
    typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
  switch (name) {
    case 'AbortError':
      return new PasskeydError('aborted', 'The passkey request was aborted.', { cause: err });
    case 'NotAllowedError':
      // Browsers deliberately give one error for "cancelled", "timed out" and "no matching
      // passkey", so the RP cannot probe which passkeys exist (WebAuthn §14.5.2).
      return new PasskeydError(
        'user_cancelled',
        'The passkey prompt was cancelled, timed out, or no passkey was available.',
        { cause: err },
      );
    case 'InvalidStateError':
      if (ceremony === 'create') {
        // excludeCredentials matched a passkey on this authenticator.
        return new PasskeydError(
          'credential_already_registered',
          'A passkey for this account is already registered on this authenticator.',
          { cause: err },
        );
      }
      break;
    case 'SecurityError':
      return new PasskeydError(
        'webauthn_security_error',
        "The passkey request was refused: the relying party ID does not match this page's origin.",
        { cause: err },
      );
    case 'TypeError':
      // The browser rejected the options dictionary itself, so the server sent unusable options.
      return new PasskeydError(
        'invalid_server_response',
        'The server sent unusable passkey options.',
        {
          cause: err,
        },
      );
  }
  return new PasskeydError('webauthn_failed', `The passkey request failed${describe(err)}.`, {
    cause: err,
  });
}

function describe(err: unknown): string {
  if (typeof err !== 'object' || err === null) return '';
  const { name, message } = err as { name?: unknown; message?: unknown };
  const parts = [name, message].filter((p): p is string => typeof p === 'string' && p !== '');
  return parts.length ? `: ${parts.join(': ')}` : '';
}
