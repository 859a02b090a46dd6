import {
  PasskeydError,
  WEBAUTHN_CREATE_FAILED,
  WEBAUTHN_GET_FAILED,
  type PasskeydErrorCode,
} from './errors.js';

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
  const failed = (code: PasskeydErrorCode, message: string) =>
    ceremonyFailure(ceremony, code, message, err);
  // An aborted request rejects with the signal's reason, which the app may have made anything.
  if (signal?.aborted) return failed('aborted', 'The passkey request was aborted.');
  const name =
    typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
  switch (name) {
    case 'AbortError':
      return failed('aborted', 'The passkey request was aborted.');
    case 'NotAllowedError':
      // Browsers deliberately give one error for "cancelled", "timed out" and "no matching
      // passkey", so the RP cannot probe which passkeys exist (WebAuthn §14.5.2).
      return failed(
        'user_cancelled',
        'The passkey prompt was cancelled, timed out, or no passkey was available.',
      );
    case 'InvalidStateError':
      if (ceremony === 'create') {
        // excludeCredentials matched a passkey on this authenticator.
        return failed(
          'credential_already_registered',
          'A passkey for this account is already registered on this authenticator.',
        );
      }
      break;
    case 'SecurityError':
      return failed(
        'webauthn_security_error',
        "The passkey request was refused: the relying party ID does not match this page's origin.",
      );
    case 'TypeError':
      // The browser rejected the options dictionary itself, so the server sent unusable options.
      return failed('invalid_server_response', 'The server sent unusable passkey options.');
  }
  return failed('webauthn_failed', `The passkey request failed${describe(err)}.`);
}

/**
 * An error of the WebAuthn step of a ceremony, shaped as passage-flex-js shapes every failure of
 * that step (passage-wire.md §5.2): `statusCode` 707 for create, 702 for get, and the
 * DOMException's message as `statusText`. `status` stays undefined: no server answered.
 */
export function ceremonyFailure(
  ceremony: Ceremony,
  code: PasskeydErrorCode,
  message: string,
  cause?: unknown,
  statusText = messageOf(cause),
): PasskeydError {
  return new PasskeydError(code, message, {
    cause,
    statusCode: ceremony === 'create' ? WEBAUTHN_CREATE_FAILED : WEBAUTHN_GET_FAILED,
    statusText,
  });
}

function messageOf(err: unknown): string {
  if (typeof err !== 'object' || err === null) return typeof err === 'string' ? err : '';
  const { message } = err as { message?: unknown };
  return typeof message === 'string' ? message : '';
}

function describe(err: unknown): string {
  if (typeof err !== 'object' || err === null) return '';
  const { name, message } = err as { name?: unknown; message?: unknown };
  const parts = [name, message].filter((p): p is string => typeof p === 'string' && p !== '');
  return parts.length ? `: ${parts.join(': ')}` : '';
}
