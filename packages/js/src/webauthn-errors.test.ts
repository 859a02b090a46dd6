import { describe, expect, it } from 'vitest';
import { fromWebAuthnError } from './webauthn-errors.js';

const dom = (name: string) => new DOMException(`browser says ${name}`, name);

describe('fromWebAuthnError', () => {
  it.each([
    ['NotAllowedError', 'create', 'user_cancelled'],
    ['NotAllowedError', 'get', 'user_cancelled'],
    ['InvalidStateError', 'create', 'credential_already_registered'],
    ['InvalidStateError', 'get', 'webauthn_failed'],
    ['AbortError', 'get', 'aborted'],
    ['SecurityError', 'create', 'webauthn_security_error'],
    ['NotSupportedError', 'create', 'webauthn_failed'],
    ['UnknownError', 'get', 'webauthn_failed'],
    ['ConstraintError', 'create', 'webauthn_failed'],
  ] as const)('maps %s from %s() to %s', (name, ceremony, code) => {
    const cause = dom(name);
    expect(fromWebAuthnError(cause, ceremony)).toMatchObject({
      name: 'PassageError',
      code,
      status: undefined,
      // passage-flex-js's pseudo-statuses and the DOMException text (passage-wire.md §5.2).
      statusCode: ceremony === 'create' ? 707 : 702,
      statusText: `browser says ${name}`,
      cause,
    });
  });

  it('blames the server for options the browser rejected as a TypeError', () => {
    expect(fromWebAuthnError(new TypeError('bad'), 'create').code).toBe('invalid_server_response');
  });

  it('reports aborted whatever reason the app aborted with', () => {
    const controller = new AbortController();
    controller.abort('user left the page');
    expect(fromWebAuthnError('user left the page', 'get', controller.signal).code).toBe('aborted');
  });

  it('keeps the DOMException text in the message for debugging', () => {
    expect(fromWebAuthnError(dom('UnknownError'), 'get').message).toContain(
      'UnknownError: browser says UnknownError',
    );
    expect(fromWebAuthnError(42, 'get').code).toBe('webauthn_failed');
  });
});
