import type { PassageFlex as PassagePassageFlex } from '@passageidentity/passage-flex-js';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as sdk from './index.js';
import { PassageFlex, PasskeyFlex, type PasskeydErrorCode } from './index.js';

describe('the public API', () => {
  it('exports exactly the documented names', () => {
    expect(Object.keys(sdk).sort()).toEqual([
      'PassageFlex',
      'Passkey',
      'PasskeyFlex',
      'PasskeydError',
      'SDK_VERSION',
      'abortAutofill',
      'canAuthenticateWithPasskey',
      'canRegisterPasskey',
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

  it('types error codes as the known ones while allowing any server code', () => {
    expectTypeOf<'user_cancelled'>().toMatchTypeOf<PasskeydErrorCode>();
    expectTypeOf<'credential_not_found'>().toMatchTypeOf<PasskeydErrorCode>();
    expectTypeOf<'some_future_code'>().toMatchTypeOf<PasskeydErrorCode>();
  });
});
