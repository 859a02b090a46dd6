import { randomUUID } from 'node:crypto';
import { startTestServer } from '@passkeyd/server/testing';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { describeWithBrowser, launchChromium, type LaunchedBrowser } from './support/browser.js';
import { managementApi, type ManagementApi } from './support/passkeyd-backend.js';
import { openSdkPage, serveSdkPage, type CallResult, type SdkPage } from './support/sdk-page.js';
import { startStaticServer, type StaticServer } from './support/static-server.js';

/**
 * The browser flows every Passage-compatible SDK must get right, run against a real passkeyd
 * and Chromium with a virtual authenticator. sdk-js.test.ts runs them with @passkeyd/js;
 * passage-dropin.test.ts runs the same scenarios with Passage's published SDK, which is the
 * proof that passkeyd is a drop-in for it. The SDKs differ only in how errors look, so each
 * adapter says how to recognise an expected failure.
 */

export type TestServer = Awaited<ReturnType<typeof startTestServer>>;

export type ExpectedBrowserFailure = 'user_cancelled' | 'credential_already_registered';

export interface SdkUnderTest {
  title: string;
  /** Short name used in the served paths. */
  name: string;
  bundle(): Promise<string> | string;
  /** JS expression for the page: builds the SDK object from `__config` ({ appId, baseUrl }). */
  makeFlex: string;
  /** Called for every new page before it loads (e.g. to reroute Passage's fixed base URL). */
  preparePage?(page: Page, server: TestServer): Promise<void>;
  expectServerError(result: CallResult, expected: { code: string; status: number }): void;
  expectBrowserFailure(
    result: CallResult,
    expected: ExpectedBrowserFailure,
    ceremony: 'create' | 'get',
  ): void;
}

export interface SdkSuite {
  readonly server: TestServer;
  readonly site: StaticServer;
  readonly backend: ManagementApi;
  readonly browser: LaunchedBrowser;
  readonly context: BrowserContext;
  /** Opens the SDK test page in the current context, prepared for the SDK under test. */
  openPage(options?: { withoutWebAuthn?: boolean; url?: string }): Promise<SdkPage>;
  /** Registers a passkey for a new user (or `externalId`) on the page's current authenticator. */
  registerUser(page: SdkPage, externalId?: string): Promise<string>;
}

export function newExternalId(prefix = 'user'): string {
  return `${prefix}-${randomUUID()}`;
}

/** Boots passkeyd, a page server and Chromium for one test file; returns accessors for tests. */
export function useSdkSuite(sdk: SdkUnderTest): SdkSuite {
  let server: TestServer;
  let site: StaticServer;
  let backend: ManagementApi;
  let browser: LaunchedBrowser;
  let context: BrowserContext;
  let pageUrl: string;
  let unexpected: string[] = [];

  beforeAll(async () => {
    site = await startStaticServer();
    server = await startTestServer({ origins: [site.origin], rpId: 'localhost' });
    backend = managementApi(server);
    pageUrl = serveSdkPage(site, {
      name: sdk.name,
      bundle: await sdk.bundle(),
      makeFlex: sdk.makeFlex,
      config: { appId: server.appId, baseUrl: server.baseUrl },
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await site?.close();
  });

  beforeEach(async () => {
    context = await browser.newContext();
    unexpected = [];
  });

  afterEach(async () => {
    await context?.close();
    // Neither SDK may phone anywhere but the passkey server (and, for Passage, its rerouted URLs).
    expect(unexpected, 'requests to hosts other than localhost').toEqual([]);
  });

  const suite: SdkSuite = {
    get server() {
      return server;
    },
    get site() {
      return site;
    },
    get backend() {
      return backend;
    },
    get browser() {
      return browser;
    },
    get context() {
      return context;
    },
    async openPage(options = {}) {
      const sdkPage = await openSdkPage(context, options.url ?? pageUrl);
      // Observed, not routed: any page.route makes Playwright answer every CORS preflight
      // itself (passage-wire.md §8.1), which would hide CORS bugs in the server.
      sdkPage.page.on('request', (request) => {
        const host = new URL(request.url()).hostname;
        if (!['localhost', '127.0.0.1', 'auth.passage.id'].includes(host))
          unexpected.push(request.url());
      });
      await sdk.preparePage?.(sdkPage.page, server);
      if (options.withoutWebAuthn) {
        await sdkPage.page.addInitScript(() => {
          delete (window as { PublicKeyCredential?: unknown }).PublicKeyCredential;
        });
      }
      await sdkPage.load();
      return sdkPage;
    },
    async registerUser(page, externalId = newExternalId()) {
      const transactionId = await backend.createRegisterTransaction(
        externalId,
        `${externalId}@example.com`,
      );
      const result = await page.call<string>('register', transactionId);
      expect(result, JSON.stringify(result)).toMatchObject({ ok: true, value: expect.any(String) });
      expect(await backend.verifyNonce((result as { value: string }).value)).toBe(externalId);
      return externalId;
    },
  };
  return suite;
}

/**
 * The scenarios shared by every SDK; `sdk` says how its errors look. `more` adds the SDK's own
 * scenarios to the same suite (same server, page server and browser).
 */
export function describeSdkScenarios(sdk: SdkUnderTest, more?: (suite: SdkSuite) => void): void {
  describeWithBrowser(`${sdk.title}: Passage-compatible browser flows`, () => {
    const suite = useSdkSuite(sdk);

    it('reports it can register and authenticate where WebAuthn is available', async () => {
      const page = await suite.openPage();
      await page.addAuthenticator();
      expect(await page.call('canRegisterPasskey')).toEqual({ ok: true, value: true });
      expect(await page.call('canAuthenticateWithPasskey')).toEqual({ ok: true, value: true });
      expect(await page.call('canUseConditionalMediation')).toMatchObject({
        ok: true,
        value: expect.any(Boolean),
      });
    });

    it('reports it cannot register, authenticate or autofill without WebAuthn', async () => {
      const page = await suite.openPage({ withoutWebAuthn: true });
      expect(await page.call('canRegisterPasskey')).toEqual({ ok: true, value: false });
      expect(await page.call('canAuthenticateWithPasskey')).toEqual({ ok: true, value: false });
      expect(await page.call('canUseConditionalMediation')).toEqual({ ok: true, value: false });
    });

    it('registers a passkey with a transaction; the nonce verifies to the external id', async () => {
      const page = await suite.openPage();
      const authenticator = await page.addAuthenticator();
      const externalId = newExternalId();
      const transactionId = await suite.backend.createRegisterTransaction(externalId, 'Jane Doe');
      const result = await page.call<string>('register', transactionId, {
        authenticatorAttachment: 'platform',
      });
      expect(result).toMatchObject({ ok: true, value: expect.any(String) });
      expect(await suite.backend.verifyNonce((result as { value: string }).value)).toBe(externalId);
      const [credential] = await authenticator.credentials();
      expect(credential).toMatchObject({ isResidentCredential: true, rpId: 'localhost' });
      const devices = await suite.backend.listDevices(externalId);
      expect(devices.map((d) => d.cred_id)).toEqual([base64url(credential!.credentialId)]);
    });

    it('authenticates with a transaction; the nonce verifies to the external id', async () => {
      const page = await suite.openPage();
      await page.addAuthenticator();
      const externalId = await suite.registerUser(page);
      const transactionId = await suite.backend.createAuthenticateTransaction(externalId);
      const result = await page.call<string>('authenticate', { transactionId });
      expect(result).toMatchObject({ ok: true });
      expect(await suite.backend.verifyNonce((result as { value: string }).value)).toBe(externalId);
    });

    it('authenticates with no transaction (discoverable); the server finds the user from the passkey', async () => {
      const page = await suite.openPage();
      await page.addAuthenticator();
      const externalId = await suite.registerUser(page);
      const result = await page.call<string>('authenticate');
      expect(result).toMatchObject({ ok: true });
      expect(await suite.backend.verifyNonce((result as { value: string }).value)).toBe(externalId);
    });

    it('signs in through autofill (conditional mediation) on an autocomplete="username webauthn" field', async () => {
      const page = await suite.openPage();
      await page.addAuthenticator();
      const externalId = await suite.registerUser(page);
      // A fresh JS context in the same tab (the authenticator stays): passage-flex-js's
      // AbortController is already aborted after register() (passage-wire.md §5.4).
      await page.load();
      await page.page.focus('#username');
      const id = await page.start('authenticate', { isConditionalMediation: true });
      const result = await page.wait<string>(id);
      expect(result).toMatchObject({ ok: true });
      expect(await suite.backend.verifyNonce((result as { value: string }).value)).toBe(externalId);
    });

    it('refuses to register a second passkey for the same user on the same authenticator', async () => {
      const page = await suite.openPage();
      const authenticator = await page.addAuthenticator();
      const externalId = await suite.registerUser(page);
      const again = await suite.backend.createRegisterTransaction(externalId, 'Jane Doe');
      sdk.expectBrowserFailure(
        await page.call('register', again),
        'credential_already_registered',
        'create',
      );
      expect(await authenticator.credentials()).toHaveLength(1);
      expect(await suite.backend.listDevices(externalId)).toHaveLength(1);
    });

    it('reports a cancelled registration prompt as a cancellation', async () => {
      const page = await suite.openPage();
      const authenticator = await page.addAuthenticator();
      // The virtual user fails (or declines) verification: Chromium answers NotAllowedError,
      // exactly what a user closing the prompt produces.
      await authenticator.setUserVerified(false);
      const transactionId = await suite.backend.createRegisterTransaction(
        newExternalId(),
        'Jane Doe',
      );
      sdk.expectBrowserFailure(
        await page.call('register', transactionId),
        'user_cancelled',
        'create',
      );
      expect(await authenticator.credentials()).toHaveLength(0);
    });

    it('reports a cancelled sign-in prompt as a cancellation', async () => {
      const page = await suite.openPage();
      const authenticator = await page.addAuthenticator();
      await suite.registerUser(page);
      await authenticator.setUserVerified(false);
      sdk.expectBrowserFailure(await page.call('authenticate'), 'user_cancelled', 'get');
    });

    it("does not let user A's passkey complete user B's authenticate transaction", async () => {
      const page = await suite.openPage();
      const deviceOfB = await page.addAuthenticator();
      const userB = await suite.registerUser(page, newExternalId('b'));
      await deviceOfB.remove();
      await page.addAuthenticator();
      const userA = await suite.registerUser(page, newExternalId('a'));
      // A tampered client: drop allowCredentials so the browser offers A's passkey on B's transaction.
      await page.page.evaluate(() => {
        const get = navigator.credentials.get.bind(navigator.credentials);
        navigator.credentials.get = (options) => {
          delete (options?.publicKey as { allowCredentials?: unknown } | undefined)
            ?.allowCredentials;
          return get(options);
        };
      });
      const transactionOfB = await suite.backend.createAuthenticateTransaction(userB);
      sdk.expectServerError(await page.call('authenticate', { transactionId: transactionOfB }), {
        code: 'credential_not_allowed',
        status: 403,
      });
      expect(userA).not.toBe(userB);
    });

    it('fails to sign in with a revoked passkey with the unknown-credential error', async () => {
      const page = await suite.openPage();
      await page.addAuthenticator();
      const externalId = await suite.registerUser(page);
      const [device] = await suite.backend.listDevices(externalId);
      await suite.backend.revokeDevice(externalId, device!.id);
      sdk.expectServerError(await page.call('authenticate'), {
        code: 'credential_not_found',
        status: 401,
      });
    });

    it('fails to register or authenticate with an unknown transaction (404 transaction_not_found)', async () => {
      const page = await suite.openPage();
      await page.addAuthenticator();
      const unknown = 'txn_does_not_exist';
      const expected = { code: 'transaction_not_found', status: 404 };
      sdk.expectServerError(await page.call('register', unknown), expected);
      sdk.expectServerError(await page.call('authenticate', { transactionId: unknown }), expected);
    });

    it('fails to reuse a transaction that already completed a ceremony (410 transaction_consumed)', async () => {
      const page = await suite.openPage();
      const authenticator = await page.addAuthenticator();
      const externalId = newExternalId();
      const registerTx = await suite.backend.createRegisterTransaction(externalId, 'Jane Doe');
      expect(await page.call('register', registerTx)).toMatchObject({ ok: true });
      await authenticator.remove();
      await page.addAuthenticator();
      sdk.expectServerError(await page.call('register', registerTx), {
        code: 'transaction_consumed',
        status: 410,
      });
    });

    more?.(suite);
  });
}

/** CDP reports credential ids in standard base64; the wire and the API use base64url. */
export function base64url(base64: string): string {
  return base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
