import { expect, it } from 'vitest';
import { passkeydSdkBundle } from './support/bundles.js';
import { describeWithBrowser } from './support/browser.js';
import { newExternalId, useSdkSuite, type SdkUnderTest } from './sdk-scenarios.js';
import type { SdkPage } from './support/sdk-page.js';

/**
 * Issue 14 items 4 and 5 in Chromium: the WebAuthn `hints` an app asks for (per transaction, or
 * its default) and step-up user verification reach navigator.credentials.create/get through
 * @passkeyd/js, which, unlike passage-flex-js (passage-wire.md §2.3), does not drop `hints`.
 */

const passkeyd: SdkUnderTest = {
  title: '@passkeyd/js',
  name: 'passkeyd',
  bundle: passkeydSdkBundle,
  makeFlex: 'new Passkeyd.PassageFlex(__config.appId, { baseUrl: __config.baseUrl })',
  expectServerError(result, expected) {
    expect(result).toMatchObject({ ok: false, error: { name: 'PasskeydError', ...expected } });
  },
  expectBrowserFailure(result, expected) {
    expect(result).toMatchObject({ ok: false, error: { name: 'PasskeydError', code: expected } });
  },
};

interface Captured {
  ceremony: 'create' | 'get';
  hints: unknown;
  userVerification: unknown;
}

/** Records the publicKey options the page hands to the browser's WebAuthn API. */
async function captureWebAuthnCalls(page: SdkPage): Promise<() => Promise<Captured[]>> {
  await page.page.evaluate(() => {
    const seen: Captured[] = [];
    (window as unknown as { __webauthnCalls: Captured[] }).__webauthnCalls = seen;
    const create = navigator.credentials.create.bind(navigator.credentials);
    const get = navigator.credentials.get.bind(navigator.credentials);
    navigator.credentials.create = (options) => {
      const pk = options?.publicKey as unknown as Record<string, unknown>;
      const selection = pk.authenticatorSelection as Record<string, unknown> | undefined;
      seen.push({
        ceremony: 'create',
        hints: pk.hints,
        userVerification: selection?.userVerification,
      });
      return create(options);
    };
    navigator.credentials.get = (options) => {
      const pk = options?.publicKey as unknown as Record<string, unknown>;
      seen.push({ ceremony: 'get', hints: pk.hints, userVerification: pk.userVerification });
      return get(options);
    };
  });
  return () =>
    page.page.evaluate(
      () => (window as unknown as { __webauthnCalls: Captured[] }).__webauthnCalls,
    );
}

describeWithBrowser('@passkeyd/js: hints and step-up in Chromium', () => {
  const suite = useSdkSuite(passkeyd);

  const management = async (path: string, body: unknown) => {
    const { baseUrl, appId, apiKey } = suite.server;
    const res = await fetch(`${baseUrl}/v1/apps/${appId}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status, path).toBe(201);
    return ((await res.json()) as { transaction_id: string }).transaction_id;
  };
  const setAppHints = async (hints: string[]) => {
    const { baseUrl, appId, adminToken } = suite.server;
    const res = await fetch(`${baseUrl}/v1/admin/apps/${appId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ hints }),
    });
    expect(res.status).toBe(200);
  };

  it("hands a transaction's hints and step-up UV to create() and get(), and the ceremonies finish", async () => {
    const page = await suite.openPage();
    await page.addAuthenticator();
    const calls = await captureWebAuthnCalls(page);
    const externalId = newExternalId();

    const registerTx = await management('/transactions/register', {
      external_id: externalId,
      passkey_display_name: `${externalId}@example.com`,
      hints: ['client-device', 'hybrid'],
    });
    const registered = await page.call<string>('register', registerTx);
    expect(registered, JSON.stringify(registered)).toMatchObject({ ok: true });

    const signInTx = await management('/transactions/authenticate', {
      external_id: externalId,
      hints: ['security-key'],
      user_verification: 'required',
    });
    const signedIn = await page.call<string>('authenticate', { transactionId: signInTx });
    expect(signedIn, JSON.stringify(signedIn)).toMatchObject({ ok: true });
    expect(await suite.backend.verifyNonce((signedIn as { value: string }).value)).toBe(externalId);

    expect(await calls()).toEqual([
      { ceremony: 'create', hints: ['client-device', 'hybrid'], userVerification: 'preferred' },
      { ceremony: 'get', hints: ['security-key'], userVerification: 'required' },
    ]);
  });

  it("hands the app's default hints to a discoverable sign-in", async () => {
    await setAppHints(['hybrid']);
    try {
      const page = await suite.openPage();
      await page.addAuthenticator();
      const externalId = await suite.registerUser(page);
      const calls = await captureWebAuthnCalls(page);
      const signedIn = await page.call<string>('authenticate');
      expect(await suite.backend.verifyNonce((signedIn as { value: string }).value)).toBe(
        externalId,
      );
      expect(await calls()).toEqual([
        { ceremony: 'get', hints: ['hybrid'], userVerification: 'preferred' },
      ]);
    } finally {
      await setAppHints([]);
    }
  });
});
