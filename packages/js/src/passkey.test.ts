import { afterEach, describe, expect, it } from 'vitest';
import { vi } from 'vitest';
import { PassageError } from './index.js';
import { PassageFlex } from './passage-flex.js';
import {
  creationOptions,
  fakeAssertionCredential,
  installFakeBrowser,
  requestOptions,
  startResponse,
} from './test-support/fake-browser.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

const flex = () => new PassageFlex('app 1', { baseUrl: 'https://auth.example/' });
const nonce = { status: 200, body: { nonce: 'nce_1' } };

describe('passkey.register', () => {
  it('sends the start and finish bodies passage-flex-js sends and resolves the nonce', async () => {
    const browser = installFakeBrowser([startResponse(creationOptions), nonce]);
    await expect(flex().passkey.register('txn_1')).resolves.toBe('nce_1');
    expect(browser.requests()).toEqual([
      {
        url: 'https://auth.example/v1/apps/app%201/register/transactions/webauthn/start',
        body: { transaction_id: 'txn_1', authenticator_attachment: 'platform' },
        headers: expect.any(Object),
      },
      {
        url: 'https://auth.example/v1/apps/app%201/register/transactions/webauthn/finish',
        body: {
          handshake_id: 'hs_1',
          handshake_response: {
            id: 'AQI',
            rawId: 'AQI',
            response: { attestationObject: 'Aw', clientDataJSON: 'BA' },
            transports: ['internal', 'hybrid'],
            type: 'public-key',
          },
          transaction_id: 'txn_1',
        },
        headers: expect.any(Object),
      },
    ]);
    const [{ publicKey }] = browser.create.mock.calls[0] as [
      { publicKey: PublicKeyCredentialCreationOptions },
    ];
    expect(publicKey.user.id).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('asks for the attachment the app chose', async () => {
    const browser = installFakeBrowser([startResponse(creationOptions), nonce]);
    await flex().passkey.register('txn_1', { authenticatorAttachment: 'cross-platform' });
    expect(browser.requests()[0]?.body).toEqual({
      transaction_id: 'txn_1',
      authenticator_attachment: 'cross-platform',
    });
  });

  it('refuses to start without a transaction ID', async () => {
    const browser = installFakeBrowser([]);
    await expect(flex().passkey.register('')).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(browser.fetch).not.toHaveBeenCalled();
  });

  it('reports an authenticator that already holds a passkey for the user', async () => {
    const browser = installFakeBrowser([startResponse(creationOptions)]);
    browser.create.mockRejectedValueOnce(new DOMException('excluded', 'InvalidStateError'));
    await expect(flex().passkey.register('txn_1')).rejects.toMatchObject({
      code: 'credential_already_registered',
    });
    expect(browser.fetch).toHaveBeenCalledTimes(1);
  });

  it('passes the server error code and status of the start call through', async () => {
    installFakeBrowser([
      { status: 410, body: { code: 'transaction_expired', error: 'Transaction expired.' } },
    ]);
    await expect(flex().passkey.register('txn_1')).rejects.toMatchObject({
      code: 'transaction_expired',
      status: 410,
      message: 'Transaction expired.',
    });
  });

  it('fails with insecure_context on an http page, before any request', async () => {
    const browser = installFakeBrowser([], { secure: false });
    await expect(flex().passkey.register('txn_1')).rejects.toMatchObject({
      code: 'insecure_context',
    });
    expect(browser.fetch).not.toHaveBeenCalled();
  });

  it('fails with webauthn_unsupported in a browser without WebAuthn', async () => {
    installFakeBrowser([], { webauthn: false });
    await expect(flex().passkey.register('txn_1')).rejects.toMatchObject({
      code: 'webauthn_unsupported',
    });
  });
});

describe('passkey.register with mediation: conditional (automatic passkey upgrade)', () => {
  it('asks the browser for conditional create and sends the same requests as a modal registration', async () => {
    const browser = installFakeBrowser([startResponse(creationOptions), nonce]);
    browser.statics.getClientCapabilities = async () => ({ conditionalCreate: true });
    await expect(flex().passkey.register('txn_1', { mediation: 'conditional' })).resolves.toBe(
      'nce_1',
    );
    expect(browser.create).toHaveBeenCalledWith(
      expect.objectContaining({ mediation: 'conditional', publicKey: expect.any(Object) }),
    );
    expect(browser.requests().map((r) => r.body)).toEqual([
      { transaction_id: 'txn_1', authenticator_attachment: 'platform' },
      expect.objectContaining({ handshake_id: 'hs_1', transaction_id: 'txn_1' }),
    ]);
  });

  it('does not ask for conditional mediation on a normal registration', async () => {
    const browser = installFakeBrowser([startResponse(creationOptions), nonce]);
    await flex().passkey.register('txn_1');
    expect(browser.create.mock.calls[0]?.[0]).not.toHaveProperty('mediation');
  });

  it('refuses before any request where the browser has no conditional create, so no modal prompt appears', async () => {
    const browser = installFakeBrowser([startResponse(creationOptions), nonce]);
    browser.statics.getClientCapabilities = async () => ({ conditionalCreate: false });
    await expect(
      flex().passkey.register('txn_1', { mediation: 'conditional' }),
    ).rejects.toMatchObject({ name: 'PassageError', code: 'conditional_create_unsupported' });
    expect(browser.fetch).not.toHaveBeenCalled();
    expect(browser.create).not.toHaveBeenCalled();
  });

  it('refuses a mediation other than conditional', async () => {
    const browser = installFakeBrowser([]);
    await expect(
      flex().passkey.register('txn_1', { mediation: 'silent' as 'conditional' }),
    ).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(browser.fetch).not.toHaveBeenCalled();
  });

  it('runs in the background like autofill: a modal sign-in or abortAutofill() aborts it (707 aborted)', async () => {
    const browser = installFakeBrowser([
      startResponse(creationOptions),
      startResponse(requestOptions),
      nonce,
      startResponse(creationOptions),
    ]);
    browser.statics.getClientCapabilities = async () => ({ conditionalCreate: true });
    const signals: AbortSignal[] = [];
    browser.create.mockImplementation(
      (options: CredentialCreationOptions) =>
        new Promise((_, reject) => {
          signals.push(options.signal!);
          options.signal?.addEventListener('abort', () => reject(options.signal?.reason));
        }),
    );
    const passkey = flex().passkey;
    const upgrade = passkey.register('txn_1', { mediation: 'conditional' });
    await vi.waitFor(() => expect(signals).toHaveLength(1));
    await expect(passkey.authenticate()).resolves.toBe('nce_1');
    await expect(upgrade).rejects.toMatchObject({ code: 'aborted', statusCode: 707 });

    const again = passkey.register('txn_1', { mediation: 'conditional' });
    await vi.waitFor(() => expect(signals).toHaveLength(2));
    expect(passkey.abortAutofill()).toBe(true);
    await expect(again).rejects.toMatchObject({ code: 'aborted' });
  });

  it('is exposed as flex.passkey.canUseConditionalCreate()', async () => {
    const browser = installFakeBrowser([]);
    browser.statics.getClientCapabilities = async () => ({ conditionalCreate: true });
    await expect(flex().passkey.canUseConditionalCreate()).resolves.toBe(true);
  });
});

describe('errors shaped as passage-flex-js shapes them', () => {
  it('gives a failed credentials.create statusCode 707 and the DOMException text, and no HTTP status', async () => {
    const browser = installFakeBrowser([startResponse(creationOptions)]);
    browser.create.mockRejectedValueOnce(
      new DOMException(
        'The user attempted to register ... already registered',
        'InvalidStateError',
      ),
    );
    const err = await flex()
      .passkey.register('txn_1')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PassageError);
    expect(err).toMatchObject({
      name: 'PassageError',
      code: 'credential_already_registered',
      status: undefined,
      statusCode: 707,
      statusText: 'The user attempted to register ... already registered',
    });
  });

  it('gives a failed credentials.get statusCode 702, and a null assertion "No assertion returned"', async () => {
    const browser = installFakeBrowser([
      startResponse(requestOptions),
      startResponse(requestOptions),
    ]);
    browser.get.mockRejectedValueOnce(
      new DOMException('timed out or was not allowed', 'NotAllowedError'),
    );
    await expect(flex().passkey.authenticate()).rejects.toMatchObject({
      code: 'user_cancelled',
      statusCode: 702,
      statusText: 'timed out or was not allowed',
    });
    browser.get.mockResolvedValueOnce(null);
    await expect(flex().passkey.authenticate()).rejects.toMatchObject({
      code: 'webauthn_failed',
      statusCode: 702,
      statusText: 'No assertion returned',
    });
  });

  it('gives options the SDK cannot decode the pseudo-status of the ceremony, as passage-flex-js does', async () => {
    installFakeBrowser([startResponse({ ...creationOptions, challenge: '***' })]);
    await expect(flex().passkey.register('txn_1')).rejects.toMatchObject({
      code: 'invalid_server_response',
      statusCode: 707,
    });
  });

  it('gives server errors statusCode = the HTTP status, for an unknown and a used transaction', async () => {
    installFakeBrowser([
      { status: 404, body: { code: 'transaction_not_found', error: 'No such transaction.' } },
      { status: 410, body: { code: 'transaction_consumed', error: 'Used.' } },
    ]);
    await expect(flex().passkey.register('txn_1')).rejects.toMatchObject({
      code: 'transaction_not_found',
      status: 404,
      statusCode: 404,
    });
    await expect(flex().passkey.authenticate({ transactionId: 'txn_1' })).rejects.toMatchObject({
      code: 'transaction_consumed',
      status: 410,
      statusCode: 410,
      message: 'Used.',
    });
  });
});

describe('passkey.authenticate', () => {
  it('sends {} and no transaction_id for a discoverable sign-in, and userHandle "" when there is none', async () => {
    const browser = installFakeBrowser([startResponse(requestOptions), nonce]);
    browser.get.mockResolvedValueOnce(fakeAssertionCredential(null));
    await expect(flex().passkey.authenticate()).resolves.toBe('nce_1');
    const [start, finish] = browser.requests();
    expect(start?.body).toEqual({});
    expect(finish?.body).toEqual({
      handshake_id: 'hs_1',
      handshake_response: {
        id: 'AQI',
        rawId: 'AQI',
        response: {
          authenticatorData: 'BQ',
          clientDataJSON: 'Bg',
          signature: 'Bw',
          userHandle: '',
        },
        type: 'public-key',
      },
    });
    expect(browser.get.mock.calls[0]?.[0]).not.toHaveProperty('mediation');
  });

  it('sends the transaction ID on start and finish when there is one', async () => {
    const browser = installFakeBrowser([startResponse(requestOptions), nonce]);
    await flex().passkey.authenticate({ transactionId: 'txn_9' });
    const [start, finish] = browser.requests();
    expect(start?.body).toEqual({ transaction_id: 'txn_9' });
    expect(finish?.body).toMatchObject({ transaction_id: 'txn_9' });
  });

  it('asks for conditional mediation and ignores the transaction ID for autofill, as passage-flex-js does', async () => {
    const browser = installFakeBrowser([startResponse(requestOptions), nonce]);
    await flex().passkey.authenticate({ isConditionalMediation: true, transactionId: 'txn_9' });
    expect(browser.requests()[0]?.body).toEqual({});
    expect(browser.get.mock.calls[0]?.[0]).toMatchObject({
      mediation: 'conditional',
      signal: expect.any(Object),
    });
  });

  it('aborts a pending autofill request when a modal ceremony starts', async () => {
    const browser = installFakeBrowser([
      startResponse(requestOptions),
      startResponse(requestOptions),
      nonce,
    ]);
    let autofillSignal: AbortSignal | undefined;
    browser.get.mockImplementationOnce(
      (options: CredentialRequestOptions) =>
        new Promise((_, reject) => {
          autofillSignal = options.signal ?? undefined;
          options.signal?.addEventListener('abort', () => reject(options.signal?.reason));
        }),
    );
    const passkey = flex().passkey;
    const autofill = passkey.authenticate({ isConditionalMediation: true });
    await vi.waitFor(() => expect(autofillSignal).toBeDefined());
    await expect(passkey.authenticate()).resolves.toBe('nce_1');
    await expect(autofill).rejects.toMatchObject({ code: 'aborted' });
  });

  it('lets the app abort an autofill request, and a later one still works', async () => {
    const browser = installFakeBrowser([
      startResponse(requestOptions),
      startResponse(requestOptions),
      nonce,
    ]);
    browser.get.mockImplementationOnce(
      (options: CredentialRequestOptions) =>
        new Promise((_, reject) =>
          options.signal?.addEventListener('abort', () => reject(options.signal?.reason)),
        ),
    );
    const passkey = flex().passkey;
    const autofill = passkey.authenticate({ isConditionalMediation: true });
    await vi.waitFor(() => expect(browser.get).toHaveBeenCalledTimes(1));
    expect(passkey.abortAutofill()).toBe(true);
    await expect(autofill).rejects.toMatchObject({ code: 'aborted' });
    await expect(passkey.authenticate({ isConditionalMediation: true })).resolves.toBe('nce_1');
  });

  it('signals an unknown credential to the browser when the server says the passkey is gone', async () => {
    const browser = installFakeBrowser([
      startResponse(requestOptions),
      { status: 401, body: { code: 'credential_not_found', error: 'Unknown credential.' } },
    ]);
    const signal = vi.fn(async () => undefined);
    browser.statics.signalUnknownCredential = signal;
    await expect(flex().passkey.authenticate()).rejects.toMatchObject({
      code: 'credential_not_found',
      status: 401,
    });
    expect(signal).toHaveBeenCalledWith({ rpId: 'shop.example', credentialId: 'AQI' });
  });

  it('still reports credential_not_found where the browser has no signal API', async () => {
    installFakeBrowser([
      startResponse({ challenge: 'AQID' }),
      { status: 401, body: { code: 'credential_not_found', error: 'Unknown credential.' } },
    ]);
    await expect(flex().passkey.authenticate()).rejects.toMatchObject({
      code: 'credential_not_found',
    });
  });

  it('does not signal for other failures such as another user’s passkey', async () => {
    const browser = installFakeBrowser([
      startResponse(requestOptions),
      { status: 403, body: { code: 'credential_not_allowed', error: 'Not this user.' } },
    ]);
    const signal = vi.fn(async () => undefined);
    browser.statics.signalUnknownCredential = signal;
    await expect(flex().passkey.authenticate({ transactionId: 't' })).rejects.toMatchObject({
      code: 'credential_not_allowed',
      status: 403,
    });
    expect(signal).not.toHaveBeenCalled();
  });

  it('reports a cancelled prompt as user_cancelled', async () => {
    const browser = installFakeBrowser([startResponse(requestOptions)]);
    browser.get.mockRejectedValueOnce(new DOMException('nope', 'NotAllowedError'));
    await expect(flex().passkey.authenticate()).rejects.toMatchObject({ code: 'user_cancelled' });
  });
});

describe('passkey.lastCredential', () => {
  it('records the RP ID, credential ID and user handle of the last successful ceremony', async () => {
    installFakeBrowser([
      startResponse(creationOptions),
      nonce,
      startResponse({ challenge: 'AQID' }),
      nonce,
    ]);
    const passkey = flex().passkey;
    expect(passkey.lastCredential).toBeUndefined();
    await passkey.register('txn_1');
    expect(passkey.lastCredential).toEqual({
      rpId: 'shop.example',
      credentialId: 'AQI',
      userId: 'AQID',
    });
    await passkey.authenticate();
    // No rpId in the options: the browser used the page's hostname.
    expect(passkey.lastCredential).toEqual({
      rpId: 'shop.example',
      credentialId: 'AQI',
      userId: 'CQ',
    });
  });

  it('is not updated by a failed ceremony', async () => {
    installFakeBrowser([
      startResponse(requestOptions),
      { status: 401, body: { code: 'webauthn_login_failed' } },
    ]);
    const passkey = flex().passkey;
    await expect(passkey.authenticate()).rejects.toMatchObject({ code: 'webauthn_login_failed' });
    expect(passkey.lastCredential).toBeUndefined();
  });
});

describe('new PassageFlex', () => {
  it('requires an app ID and a base URL', () => {
    expect(() => new PassageFlex('', { baseUrl: 'https://a.example' })).toThrow(
      expect.objectContaining({ code: 'invalid_config' }),
    );
    expect(() => new PassageFlex('app', undefined as never)).toThrow(
      expect.objectContaining({ code: 'invalid_config' }),
    );
  });

  it('exposes the API root it will call', () => {
    expect(new PassageFlex('app', { baseUrl: 'https://a.example/v1/' }).apiUrl).toBe(
      'https://a.example/v1',
    );
  });
});
