import { readFileSync } from 'node:fs';
import type { PassageFlex as PassagePassageFlex } from '@passageidentity/passage-flex-js';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as sdk from './index.js';
import {
  PassageFlex,
  PasskeyFlex,
  type ClientErrorCode,
  type PasskeydErrorCode,
  type ServerErrorCode,
} from './index.js';

describe('the public API', () => {
  it('exports exactly the documented names', () => {
    expect(Object.keys(sdk).sort()).toEqual([
      'PassageError',
      'PassageFlex',
      'Passkey',
      'PasskeyFlex',
      'PasskeydError',
      'SDK_VERSION',
      'abortAutofill',
      'canAuthenticateWithPasskey',
      'canRegisterPasskey',
      'canUseConditionalCreate',
      'canUseConditionalMediation',
      'isPasskeydError',
      'signalAllAcceptedCredentials',
      'signalCurrentUserDetails',
      'signalUnknownCredential',
    ]);
    expect(PasskeyFlex).toBe(PassageFlex);
  });

  it('accepts every call passage-flex-js accepts and resolves the same types (drop-in)', () => {
    type Methods =
      | 'register'
      | 'authenticate'
      | 'canRegisterPasskey'
      | 'canAuthenticateWithPasskey'
      | 'canUseConditionalMediation';
    expectTypeOf<PassageFlex['passkey']>().toMatchTypeOf<
      Pick<PassagePassageFlex['passkey'], Methods>
    >();
    expectTypeOf<PassageFlex['passkey']['register']>().returns.toEqualTypeOf<Promise<string>>();
    expectTypeOf<PassageFlex['passkey']['authenticate']>().returns.toEqualTypeOf<Promise<string>>();
    expectTypeOf<PassageFlex['passkey']['canRegisterPasskey']>().returns.toEqualTypeOf<
      Promise<boolean>
    >();
    expectTypeOf(sdk.canRegisterPasskey).returns.toEqualTypeOf<Promise<boolean>>();
  });

  it('types the known error codes as closed unions, and PasskeydErrorCode as those plus any string', () => {
    type Known = ClientErrorCode | ServerErrorCode;
    expectTypeOf<'user_cancelled'>().toMatchTypeOf<ClientErrorCode>();
    expectTypeOf<'credential_not_found'>().toMatchTypeOf<ServerErrorCode>();
    // Closed: a made-up or misspelt code is not a known one...
    expectTypeOf<'some_future_code'>().not.toMatchTypeOf<Known>();
    expectTypeOf<'credential_not_fond'>().not.toMatchTypeOf<ServerErrorCode>();
    expectTypeOf<string>().not.toMatchTypeOf<Known>();
    // ...and the browser's own codes are not the server's (apart from the one both raise).
    expectTypeOf<'user_cancelled'>().not.toMatchTypeOf<ServerErrorCode>();
    expectTypeOf<
      Extract<ClientErrorCode, ServerErrorCode>
    >().toEqualTypeOf<'credential_already_registered'>();
    // PasskeydErrorCode is open on purpose (a newer server's code passes through), so it adds
    // exactly `string` to the known codes and nothing else.
    expectTypeOf<PasskeydErrorCode>().toEqualTypeOf<Known | (string & {})>();
  });

  it('lists as ServerErrorCode exactly the server codes a browser can meet', async () => {
    // Codes that only the management (API key), admin, console, metrics and import APIs answer
    // with: the browser-facing routes (F1-F4) cannot produce them.
    const notSeenByBrowser = [
      'console_not_built',
      'invalid_access_token',
      'invalid_admin_token',
      'invalid_metrics_token',
      'admin_api_disabled',
      'api_key_not_found',
      'console_session_expired',
      'cross_origin_request',
      'invalid_nonce',
      'user_not_found',
      'device_not_found',
      'last_passkey',
      'invalid_public_key',
      'user_handle_conflict',
      'invalid_mds_blob',
      // Webhook management (admin API only).
      'webhook_not_found',
      'delivery_not_found',
      'invalid_webhook_url',
      'unknown_event_type',
      'webhook_limit_reached',
    ];
    // The server's registry, read at run time (the path is a variable so that this package's
    // typecheck does not compile the server).
    const registry = new URL('../../server/src/domain/errors.ts', import.meta.url).href;
    const { ERROR_CODES } = (await import(registry)) as { ERROR_CODES: Record<string, unknown> };
    const serverCodes = Object.keys(ERROR_CODES);
    expect(notSeenByBrowser.filter((c) => !serverCodes.includes(c))).toEqual([]);

    const source = readFileSync(new URL('./errors.ts', import.meta.url), 'utf8');
    const body = source.split('export type ServerErrorCode =')[1]?.split(';')[0] ?? '';
    const listed = [...body.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]!);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual(
      serverCodes.filter((c) => !notSeenByBrowser.includes(c)).sort(),
    );
  });
});
