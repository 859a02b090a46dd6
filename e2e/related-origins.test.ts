import { startTestServer } from '@passkeyd/server/testing';
import type { BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { newExternalId } from './sdk-scenarios.js';
import { describeWithBrowser, launchChromium, type LaunchedBrowser } from './support/browser.js';
import { passkeydSdkBundle } from './support/bundles.js';
import { createLocalTls } from './support/local-tls.js';
import { managementApi, type ManagementApi } from './support/passkeyd-backend.js';
import { openSdkPage, serveSdkPage } from './support/sdk-page.js';
import { startStaticServer, type StaticServer } from './support/static-server.js';

type TestServer = Awaited<ReturnType<typeof startTestServer>>;

const RP_ID = 'rp.test';

describeWithBrowser('Related Origin Requests in Chromium (probe)', () => {
  let server: TestServer;
  let front: StaticServer;
  let shop: StaticServer;
  let other: StaticServer;
  let browser: LaunchedBrowser;
  let context: BrowserContext;
  let backend: ManagementApi;

  beforeAll(async () => {
    const tls = await createLocalTls([RP_ID, 'shop.test', 'other.test']);
    front = await startStaticServer({ tls, host: RP_ID });
    shop = await startStaticServer({ tls, host: 'shop.test' });
    other = await startStaticServer({ tls, host: 'other.test' });
    server = await startTestServer({ origins: [`https://${RP_ID}`], rpId: RP_ID });
    backend = managementApi(server);
    front.proxy('/', server.baseUrl);
    const res = await fetch(`${server.baseUrl}/v1/admin/apps/${server.appId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ related_origins: [shop.origin] }),
    });
    expect(res.status, await res.text()).toBe(200);
    for (const site of [shop, other]) {
      serveSdkPage(site, {
        name: 'passkeyd',
        bundle: passkeydSdkBundle(),
        makeFlex: 'new Passkeyd.PassageFlex(__config.appId, { baseUrl: __config.baseUrl })',
        config: { appId: server.appId, baseUrl: `https://${RP_ID}` },
      });
    }
    browser = await launchChromium({
      args: [
        `--host-resolver-rules=MAP ${RP_ID}:443 127.0.0.1:${front.port}, MAP shop.test 127.0.0.1, MAP other.test 127.0.0.1`,
        tls.chromiumFlag,
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    for (const s of [front, shop, other]) await s?.close();
  });

  beforeEach(async () => {
    context = await browser.newContext();
  });
  afterEach(async () => {
    await context?.close();
  });

  it('registers on shop.test', async () => {
    const page = await openSdkPage(context, `${shop.origin}/passkeyd.html`);
    page.page.on('console', (m) => console.log('console:', m.text()));
    await page.load();
    await page.addAuthenticator();
    const externalId = newExternalId();
    const tx = await backend.createRegisterTransaction(externalId);
    const result = await page.call<string>('register', tx);
    console.log(JSON.stringify(result), JSON.stringify(front.proxied, null, 1));
    expect(result).toMatchObject({ ok: true });
  });
});
