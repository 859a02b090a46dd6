/** DOMException names a browser's `navigator.credentials` rejects with. */
export type WebAuthnErrorName =
  'InvalidStateError' | 'NotAllowedError' | 'NotSupportedError' | 'SecurityError';

/**
 * Errors are DOMExceptions, like in a browser, so code under test can branch on `err.name`
 * the same way in both places. (Node's DOMException is an `Error`.)
 */
export function webAuthnError(name: WebAuthnErrorName, message: string): Error {
  return new DOMException(message, name);
}
