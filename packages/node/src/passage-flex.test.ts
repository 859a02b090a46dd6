import { inspect } from 'node:util';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  PassageError,
  PassageFlex,
  PasskeyFlex,
  type AppInfo,
  type PassageUser,
  type UserInfo,
  type VerifiedNonce,
  type WebAuthnDevice,
  type WebAuthnDevices,
} from './index.js';

const options = { appId: 'app_1', apiKey: 'pk_very_secret', baseUrl: 'http://127.0.0.1:1' };

function withoutNetwork() {
  const calls: unknown[] = [];
  const passage = new PassageFlex({
    ...options,
    fetch: async (input) => {
      calls.push(input);
      throw new Error('no request should be made');
    },
  });
  return { passage, calls };
}

async function invalidArgument(call: Promise<unknown>, message: string): Promise<void> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PassageError);
  expect(err).toMatchObject({ statusCode: 0, errorCode: 'invalid_argument', message });
}

describe('PassageFlex', () => {
  it('throws a PassageError naming the missing option', () => {
    expect(() => new PassageFlex({ appId: 'app_1', apiKey: 'k' } as never)).toThrow(PassageError);
    expect(() => new PassageFlex({ appId: 'app_1', apiKey: 'k' } as never)).toThrow(
      /baseUrl is required/,
    );
  });

  it('is also exported as PasskeyFlex', () => {
    expect(PasskeyFlex).toBe(PassageFlex);
  });

  it('validates every argument before making any request', async () => {
    const { passage, calls } = withoutNetwork();
    const bad = '' as string;
    await invalidArgument(
      passage.createRegisterTransaction({ externalId: 'u', passkeyDisplayName: bad }),
      'passkeyDisplayName is required.',
    );
    await invalidArgument(
      passage.createAuthenticateTransaction({ externalId: bad }),
      'externalId is required.',
    );
    await invalidArgument(passage.verifyNonce(bad), 'nonce is required.');
    await invalidArgument(passage.getUser(bad), 'externalId is required.');
    await invalidArgument(passage.getDevices(bad), 'externalId is required.');
    await invalidArgument(passage.revokeDevice('u', bad), 'deviceId is required.');
    await invalidArgument(
      passage.auth.createRegisterTransaction(bad, 'name'),
      'externalId is required.',
    );
    await invalidArgument(
      passage.auth.createAuthenticateTransaction(bad),
      'externalId is required.',
    );
    await invalidArgument(passage.auth.verifyNonce(undefined as never), 'nonce is required.');
    await invalidArgument(passage.user.get(bad), 'externalId is required.');
    await invalidArgument(passage.user.listDevices({ externalId: bad }), 'externalId is required.');
    await invalidArgument(
      passage.user.revokeDevice({ externalId: 'u', deviceId: bad }),
      'deviceId is required.',
    );
    await invalidArgument(passage.user.renameDevice('u', 'd', bad), 'friendlyName is required.');
    await invalidArgument(
      passage.user.delete(42 as never),
      'externalId must be a string, got number.',
    );
    expect(calls).toEqual([]);
  });

  it('reports validation failures as rejections, not synchronous throws', () => {
    const { passage } = withoutNetwork();
    const result = passage.createRegisterTransaction(undefined as never);
    expect(result).toBeInstanceOf(Promise);
    return expect(result).rejects.toThrow(PassageError);
  });

  it('never shows the API key when logged', () => {
    const { passage } = withoutNetwork();
    expect(inspect(passage, { depth: 10, showHidden: true })).not.toContain('pk_very_secret');
    expect(JSON.stringify(passage)).not.toContain('pk_very_secret');
  });
});

describe('public types', () => {
  const { passage } = withoutNetwork();

  it('keeps the 0.x shape on the instance', () => {
    expectTypeOf(passage.getApp).returns.resolves.toEqualTypeOf<AppInfo>();
    expectTypeOf(passage.createRegisterTransaction).toBeCallableWith({
      externalId: 'u',
      passkeyDisplayName: 'n',
    });
    expectTypeOf(passage.createAuthenticateTransaction).toBeCallableWith({ externalId: 'u' });
    expectTypeOf(passage.verifyNonce).returns.resolves.toBeString();
    expectTypeOf(passage.verifyNonceDetails).returns.resolves.toEqualTypeOf<VerifiedNonce>();
    expectTypeOf<VerifiedNonce['ceremony']>().toEqualTypeOf<'register' | 'authenticate'>();
    expectTypeOf(passage.createRegisterTransaction).toBeCallableWith({
      externalId: 'u',
      passkeyDisplayName: 'n',
      supersedePending: true,
    });
    expectTypeOf(passage.getUser).returns.resolves.toEqualTypeOf<UserInfo>();
    expectTypeOf<UserInfo>().not.toHaveProperty('externalId');
    expectTypeOf(passage.getDevices).returns.resolves.toEqualTypeOf<WebAuthnDevices[]>();
    expectTypeOf(passage.revokeDevice).returns.resolves.toBeBoolean();
  });

  it('keeps the 1.x shape on the namespaces, positional and object forms', () => {
    expectTypeOf(passage.auth.createRegisterTransaction).toBeCallableWith('u', 'n');
    expectTypeOf(passage.auth.createRegisterTransaction).toBeCallableWith('u', 'n', {
      supersedePending: true,
    });
    expectTypeOf(passage.auth.createRegisterTransaction).toBeCallableWith('u', 'n', {
      mediation: 'conditional',
    });
    expectTypeOf(passage.auth.verifyNonceDetails).returns.resolves.toEqualTypeOf<VerifiedNonce>();
    expectTypeOf(passage.auth.createRegisterTransaction).toBeCallableWith({
      externalId: 'u',
      passkeyDisplayName: 'n',
    });
    expectTypeOf(passage.auth.createAuthenticateTransaction).toBeCallableWith('u');
    expectTypeOf(passage.auth.createAuthenticateTransaction).toBeCallableWith('u', {
      userVerification: 'required',
      hints: ['security-key', 'hybrid'],
    });
    expectTypeOf(passage.auth.createRegisterTransaction).toBeCallableWith('u', 'n', {
      hints: ['client-device'],
    });
    expectTypeOf(passage.user.revokeDevice).toBeCallableWith('u', 'd', { force: true });
    expectTypeOf(passage.user.get).returns.resolves.toEqualTypeOf<PassageUser>();
    expectTypeOf<PassageUser['externalId']>().toBeString();
    expectTypeOf(passage.user.listDevices).returns.resolves.toEqualTypeOf<WebAuthnDevice[]>();
    expectTypeOf(passage.user.revokeDevice).toBeCallableWith('u', 'd');
    expectTypeOf(passage.user.revokeDevice).toBeCallableWith({ externalId: 'u', deviceId: 'd' });
    expectTypeOf(passage.user.revokeDevice).returns.resolves.toBeVoid();
    expectTypeOf(passage.user.delete).returns.resolves.toBeVoid();
    expectTypeOf(passage.user.renameDevice).returns.resolves.toEqualTypeOf<WebAuthnDevice>();
  });

  it('types dates as Date and the AAGUID-derived name as nullable', () => {
    expectTypeOf<WebAuthnDevice['lastLoginAt']>().toEqualTypeOf<Date>();
    expectTypeOf<WebAuthnDevice['authenticatorName']>().toEqualTypeOf<string | null>();
    expectTypeOf<PassageError['statusCode']>().toBeNumber();
  });
});
