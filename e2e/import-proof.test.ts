import { randomBytes, randomUUID } from 'node:crypto';
import { startTestServer } from '@passkeyd/server/testing';
import { TestAuthenticator } from '@passkeyd/test-authenticator';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBrowser, launchChromium, type LaunchedBrowser } from './support/browser.js';
import { passkeydSdkBundle } from './support/bundles.js';
import { managementApi, type ManagementApi } from './support/passkeyd-backend.js';
import { openSdkPage, serveSdkPage } from './support/sdk-page.js';
import { startStaticServer, type StaticServer } from './support/static-server.js';

/**
 * The import proof (docs/migration.md): a passkey that passkeyd never saw created, made by
 * another service for RP ID localhost, is carried over in passkeyd's documented export format,
 * imported, and then used from a browser. Chromium's virtual authenticator is loaded with the
 * very same credential (private key, credential id, user handle) through WebAuthn.addCredential,
 * standing in for the user's device that still holds the passkey, and @passkeyd/js signs in with
 * it both on an authenticate transaction and discoverably.
 */

type TestServer = Awaited<ReturnType<typeof startTestServer>>;

const GOOGLE_PASSWORD_MANAGER = 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4';
const base64url = (base64: string) => Buffer.from(base64, 'base64').toString('base64url');

describeWithBrowser(
  'importing passkeys made elsewhere, then signing in with them in Chromium',
  () => {
    let server: TestServer;
    let site: StaticServer;
    let backend: ManagementApi;
    let browser: LaunchedBrowser;
    let context: BrowserContext;
    let pageUrl: string;

    beforeAll(async () => {
      site = await startStaticServer();
      server = await startTestServer({ origins: [site.origin], rpId: 'localhost' });
      backend = managementApi(server);
      pageUrl = serveSdkPage(site, {
        name: 'passkeyd',
        bundle: passkeydSdkBundle(),
        makeFlex: 'new Passkeyd.PassageFlex(__config.appId, { baseUrl: __config.baseUrl })',
        config: { appId: server.appId, baseUrl: server.baseUrl },
      });
      browser = await launchChromium();
      context = await browser.newContext();
    });

    afterAll(async () => {
      await context?.close();
      await browser?.close();
      await server?.close();
      await site?.close();
    });

    function admin(method: string, path: string, body?: string) {
      return fetch(`${server.baseUrl}/v1/admin/apps/${server.appId}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${server.adminToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/x-ndjson' }),
        },
        ...(body === undefined ? {} : { body }),
      });
    }

    it('signs in with an imported passkey on a transaction and by discoverable login', async () => {
      // 1. Another service registers a passkey on the user's device (the test authenticator).
      const device = new TestAuthenticator({ aaguid: GOOGLE_PASSWORD_MANAGER });
      const userHandle = randomBytes(32);
      const made = device.createCredential(
        {
          challenge: randomBytes(32).toString('base64url'),
          rp: { id: 'localhost', name: 'The service being left' },
          user: {
            id: userHandle.toString('base64url'),
            name: 'jane@example.com',
            displayName: 'Jane',
          },
          pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
          authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
        },
        { origin: 'http://localhost:4000' },
      );
      const credentialId = made.id;

      // 2. That service's export, written in passkeyd's documented format (SPKI + alg, as
      //    `response.getPublicKey()` gives it; no display name, so the AAGUID names it).
      const externalId = `imported-${randomUUID()}`;
      const exportLine = {
        external_id: externalId,
        user_handle: userHandle.toString('base64url'),
        credentials: [
          {
            credential_id: credentialId,
            public_key_spki: made.response.publicKey,
            alg: made.response.publicKeyAlgorithm,
            sign_count: 0,
            transports: made.response.transports,
            aaguid: GOOGLE_PASSWORD_MANAGER,
            backup_eligible: true,
            backup_state: true,
            created_at: '2025-11-03T09:15:00Z',
          },
        ],
      };

      // 3. Import through the admin API.
      const imported = await admin('POST', '/import', `${JSON.stringify(exportLine)}\n`);
      expect(imported.status).toBe(200);
      expect(await imported.json()).toMatchObject({
        records: 1,
        users_created: 1,
        credentials_imported: 1,
        credentials_invalid: 0,
        issues: [],
      });

      // 4. The user's device, in Chromium: the same credential, private key and user handle.
      const page = await openSdkPage(context, pageUrl);
      await page.load();
      const authenticator = await page.addAuthenticator();
      const cdpCredential = device.exportForCdp(credentialId);
      await authenticator.cdp.send('WebAuthn.addCredential', {
        authenticatorId: authenticator.id,
        credential: cdpCredential,
      });
      const [held] = await authenticator.credentials();
      expect({
        id: base64url(held!.credentialId),
        handle: held!.userHandle && base64url(held!.userHandle),
        rpId: held!.rpId,
      }).toEqual({
        id: credentialId,
        handle: userHandle.toString('base64url'),
        rpId: 'localhost',
      });

      // 5a. Sign in on an authenticate transaction.
      const transactionId = await backend.createAuthenticateTransaction(externalId);
      const withTransaction = await page.call<string>('authenticate', { transactionId });
      expect(withTransaction, JSON.stringify(withTransaction)).toMatchObject({
        ok: true,
        value: expect.any(String),
      });
      expect(await backend.verifyNonce((withTransaction as { value: string }).value)).toBe(
        externalId,
      );

      // 5b. Sign in discoverably: the server finds the user from the passkey alone.
      const discoverable = await page.call<string>('authenticate');
      expect(discoverable, JSON.stringify(discoverable)).toMatchObject({
        ok: true,
        value: expect.any(String),
      });
      expect(await backend.verifyNonce((discoverable as { value: string }).value)).toBe(externalId);

      // The device list shows the imported passkey named after its provider, used twice.
      const [deviceRow] = await backend.listDevices(externalId);
      expect(deviceRow).toMatchObject({
        cred_id: credentialId,
        friendly_name: 'Google Password Manager',
        authenticator_name: 'Google Password Manager',
        usage_count: 2,
        created_at: '2025-11-03T09:15:00.000Z',
      });
      expect((await authenticator.credentials())[0]!.signCount).toBe(2);

      // 6. passkeyd's own export carries the passkey on, with the counter Chromium advanced.
      const exported = (await (await admin('GET', '/export')).text())
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l));
      const line = exported.find((u) => u.external_id === externalId);
      expect(line).toMatchObject({
        user_handle: userHandle.toString('base64url'),
        credentials: [
          { credential_id: credentialId, alg: -7, sign_count: 2, aaguid: GOOGLE_PASSWORD_MANAGER },
        ],
      });
    });
  },
);
