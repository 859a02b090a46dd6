import { expect, it } from 'vitest';
import { passkeydSdkBundle } from './support/bundles.js';
import { describeWithBrowser, launchChromium } from './support/browser.js';
import { openSdkPage, serveSdkPage } from './support/sdk-page.js';
import { startStaticServer } from './support/static-server.js';
import {
  base64url,
  describeSdkScenarios,
  newExternalId,
  type SdkSuite,
  type SdkUnderTest,
} from './sdk-scenarios.js';

/**
 * @passkeyd/js, as shipped (the minified <script> bundle from packages/js/dist), in Chromium
 * against a real passkeyd. The page and the server are on different localhost ports and nothing
 * is routed, so every call is a real CORS request answered by passkeyd itself.
 */

const passkeyd: SdkUnderTest = {
  title: '@passkeyd/js',
  name: 'passkeyd',
  bundle: passkeydSdkBundle,
  makeFlex: 'new Passkeyd.PassageFlex(__config.appId, { baseUrl: __config.baseUrl })',
  expectServerError(result, expected) {
    expect(result).toMatchObject({ ok: false, error: { name: 'PassageError', ...expected } });
  },
  expectBrowserFailure(result, expected) {
    expect(result).toMatchObject({ ok: false, error: { name: 'PassageError', code: expected } });
    expect((result as { error: { status?: number } }).error.status).toBeUndefined();
  },
};

describeSdkScenarios(passkeyd, (suite: SdkSuite) => {
  it('reports autofill as available in Chromium (WebAuthn L3 conditionalGet)', async () => {
    const page = await suite.openPage();
    expect(await page.call('canUseConditionalMediation')).toEqual({ ok: true, value: true });
  });

  it('signals an unknown credential when the server says the passkey was revoked, and Chromium forgets it', async () => {
    const page = await suite.openPage();
    const authenticator = await page.addAuthenticator();
    const externalId = await suite.registerUser(page);
    const [device] = await suite.backend.listDevices(externalId);
    await suite.backend.revokeDevice(externalId, device!.id);
    const spied = await page.page.evaluate(() => window.harness.spyOnSignals());
    expect(spied, 'Chromium 132+ has PublicKeyCredential.signalUnknownCredential').toBe(true);

    passkeyd.expectServerError(await page.call('authenticate'), {
      code: 'credential_not_found',
      status: 401,
    });
    expect(await page.page.evaluate(() => window.harness.signalCalls)).toEqual([
      { rpId: 'localhost', credentialId: device!.cred_id },
    ]);
    // Chromium's virtual authenticator acts on the signal the way a passkey manager would.
    expect(await authenticator.credentials()).toEqual([]);
  });

  it('aborts a pending autofill request when a ceremony starts, and a later autofill on the same page works', async () => {
    const page = await suite.openPage();
    // No authenticator yet: the autofill request has nothing to offer and stays pending.
    const autofill = await page.start('authenticate', { isConditionalMediation: true });
    await page.page.waitForTimeout(300);
    await page.addAuthenticator();
    const externalId = await suite.registerUser(page);
    expect(await page.wait(autofill)).toMatchObject({ ok: false, error: { code: 'aborted' } });

    // passage-flex-js would fail here (its AbortController stays aborted, passage-wire.md §5.4).
    await page.page.focus('#username');
    const later = await page.wait<string>(
      await page.start('authenticate', { isConditionalMediation: true }),
    );
    expect(later).toMatchObject({ ok: true });
    expect(await suite.backend.verifyNonce((later as { value: string }).value)).toBe(externalId);
  });

  it('lets the app abort an autofill request with abortAutofill() or its own AbortSignal', async () => {
    const page = await suite.openPage();
    const autofill = await page.start('authenticate', { isConditionalMediation: true });
    await page.page.waitForTimeout(300);
    expect(await page.call('abortAutofill')).toEqual({ ok: true, value: true });
    expect(await page.wait(autofill)).toMatchObject({ ok: false, error: { code: 'aborted' } });

    const withSignal = await page.page.evaluate(async () => {
      const controller = new AbortController();
      const pending = window.harness.flex.passkey.authenticate({
        isConditionalMediation: true,
        signal: controller.signal,
      });
      setTimeout(() => controller.abort(), 300);
      return pending.then(
        () => 'resolved',
        (err: { code?: string }) => err.code,
      );
    });
    expect(withSignal).toBe('aborted');
  });

  it('passes server error codes and statuses through cross-origin (CORS headers on error responses)', async () => {
    const page = await suite.openPage();
    await page.addAuthenticator();
    passkeyd.expectServerError(await page.call('register', 'txn_does_not_exist'), {
      code: 'transaction_not_found',
      status: 404,
    });
    passkeyd.expectServerError(
      await page.call('authenticate', { transactionId: 'txn_does_not_exist' }),
      {
        code: 'transaction_not_found',
        status: 404,
      },
    );
  });

  // passage-wire.md §6.1: CORS headers on error responses, so the app sees the real error.
  it('tells an app with a wrong app ID that the app does not exist', async () => {
    const page = await suite.openPage();
    await page.addAuthenticator();
    const result = await page.page.evaluate(() =>
      new window.Passkeyd.PassageFlex('app_does_not_exist', {
        baseUrl: window.__config.baseUrl,
      }).passkey
        .authenticate()
        .then(
          () => ({ code: 'resolved', status: 0 }),
          (err: { code: string; status?: number }) => ({ code: err.code, status: err.status }),
        ),
    );
    expect(result).toEqual({ code: 'app_not_found', status: 404 });
  });

  it('fails with network_error on a page whose origin the app does not allow (real CORS)', async () => {
    const otherSite = await startStaticServer();
    try {
      const url = serveSdkPage(otherSite, {
        name: 'passkeyd',
        bundle: passkeydSdkBundle(),
        makeFlex: passkeyd.makeFlex,
        config: { appId: suite.server.appId, baseUrl: suite.server.baseUrl },
      });
      const page = await suite.openPage({ url });
      await page.addAuthenticator();
      expect(await page.call('authenticate')).toMatchObject({
        ok: false,
        error: { name: 'PassageError', code: 'network_error' },
      });
    } finally {
      await otherSite.close();
    }
  });

  it('fails with webauthn_unsupported, before any request, where the browser has no WebAuthn', async () => {
    const page = await suite.openPage({ withoutWebAuthn: true });
    const requests: string[] = [];
    page.page.on('request', (r) => requests.push(r.url()));
    const transactionId = await suite.backend.createRegisterTransaction(newExternalId(), 'Jane');
    expect(await page.call('register', transactionId)).toMatchObject({
      ok: false,
      error: { code: 'webauthn_unsupported' },
    });
    expect(await page.call('authenticate')).toMatchObject({
      ok: false,
      error: { code: 'webauthn_unsupported' },
    });
    expect(requests).toEqual([]);
  });

  it('asks Chromium for a conditional create (automatic upgrade), which stays in the background until aborted', async () => {
    const page = await suite.openPage();
    const authenticator = await page.addAuthenticator();
    expect(
      await page.call('canUseConditionalCreate'),
      'Chromium 156 has conditionalCreate',
    ).toEqual({ ok: true, value: true });
    await page.page.evaluate(() => {
      const create = navigator.credentials.create.bind(navigator.credentials);
      const seen: unknown[] = [];
      (window as { createMediation?: unknown[] }).createMediation = seen;
      navigator.credentials.create = (options) => {
        seen.push((options as { mediation?: unknown } | undefined)?.mediation);
        return create(options);
      };
    });
    const transactionId = await suite.backend.createRegisterTransaction(newExternalId(), 'Jane', {
      mediation: 'conditional',
    });
    const upgrade = await page.start('register', transactionId, { mediation: 'conditional' });
    await expect
      .poll(() =>
        page.page.evaluate(() => (window as { createMediation?: unknown[] }).createMediation),
      )
      .toEqual(['conditional']);
    // The virtual authenticator cannot simulate the password-manager sign-in an upgrade needs, so
    // Chromium keeps the request pending, as it does when it declines to upgrade silently.
    await page.page.waitForTimeout(500);
    expect(await page.call('abortAutofill')).toEqual({ ok: true, value: true });
    expect(await page.wait(upgrade)).toMatchObject({
      ok: false,
      error: { name: 'PassageError', code: 'aborted', statusCode: 707 },
    });
    expect(await authenticator.credentials()).toEqual([]);
  });

  it('remembers the passkey used and feeds the WebAuthn signal helpers, which Chromium accepts', async () => {
    const page = await suite.openPage();
    const authenticator = await page.addAuthenticator();
    const externalId = await suite.registerUser(page);
    const signedIn = await page.call<string>('authenticate');
    expect(signedIn).toMatchObject({ ok: true });
    const devices = await suite.backend.listDevices(externalId);
    const [credential] = await authenticator.credentials();

    const outcome = await page.page.evaluate(async (devices) => {
      const used = window.harness.flex.passkey.lastCredential!;
      const { signalAllAcceptedCredentials, signalCurrentUserDetails } = window.Passkeyd;
      return {
        used,
        details: await signalCurrentUserDetails({
          rpId: used.rpId,
          userId: used.userId!,
          name: 'jane@example.com',
        }),
        accepted: await signalAllAcceptedCredentials({
          rpId: used.rpId,
          userId: used.userId!,
          devices,
        }),
      };
    }, devices);
    expect(outcome).toEqual({
      used: {
        rpId: 'localhost',
        credentialId: devices[0]!.cred_id,
        userId: base64url(credential!.userHandle!),
      },
      details: true,
      accepted: true,
    });
    // The accepted list contained the passkey, so the authenticator keeps it.
    expect(await authenticator.credentials()).toHaveLength(1);
  });
});

describeWithBrowser('@passkeyd/js outside a secure context', () => {
  it('reports no passkey support and fails ceremonies with insecure_context', async () => {
    const site = await startStaticServer();
    // http://insecure.test is not a secure context (only https and localhost are), yet resolves here.
    const browser = await launchChromium({
      args: ['--host-resolver-rules=MAP insecure.test 127.0.0.1'],
    });
    try {
      const url = serveSdkPage(site, {
        name: 'passkeyd',
        bundle: passkeydSdkBundle(),
        makeFlex: "new Passkeyd.PassageFlex('app_x', { baseUrl: 'http://insecure.test:1' })",
        config: {},
      }).replace('localhost', 'insecure.test');
      const page = await openSdkPage(await browser.newContext(), url);
      await page.load();
      expect(await page.page.evaluate(() => window.isSecureContext)).toBe(false);
      expect(await page.call('canRegisterPasskey')).toEqual({ ok: true, value: false });
      expect(await page.call('canUseConditionalMediation')).toEqual({ ok: true, value: false });
      expect(await page.call('register', 'txn_1')).toMatchObject({
        ok: false,
        error: { code: 'insecure_context' },
      });
    } finally {
      await browser.close();
      await site.close();
    }
  });
});

declare global {
  interface Window {
    __config: { appId: string; baseUrl: string };
    Passkeyd: typeof import('../packages/js/src/index.js');
  }
}
