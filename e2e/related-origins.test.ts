import { startTestServer } from '@passkeyd/server/testing';
import type { BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { newExternalId } from './sdk-scenarios.js';
import { describeWithBrowser, launchChromium, type LaunchedBrowser } from './support/browser.js';
import { passkeydSdkBundle } from './support/bundles.js';
import { createLocalTls } from './support/local-tls.js';
import { managementApi, type ManagementApi } from './support/passkeyd-backend.js';
import { openSdkPage, serveSdkPage, type CallResult, type SdkPage } from './support/sdk-page.js';
import {
  startStaticServer,
  type ProxiedRequest,
  type StaticServer,
} from './support/static-server.js';

/**
 * Issue 14 item 2 in real Chromium: a page whose host is not under the app's RP ID registers and
 * signs in with passkeyd because the browser fetched `https://<rp id>/.well-known/webauthn` from
 * passkeyd and found the page's origin listed (WebAuthn L3 §5.11, Related Origin Requests); and
 * the same ceremony on an origin the file does not list fails in the browser, before passkeyd is
 * asked to finish. The HTTP suite (packages/server/src/http/mobile-and-related-origins.test.ts)
 * proves what passkeyd serves and accepts; this one proves a browser acts on it.
 *
 * How the test is built, and why:
 * - Chromium only makes a Related Origin Request from a secure context, and fetches the file over
 *   HTTPS from port 443 of the RP ID's host, with no way to name another scheme or port. So the
 *   test uses made-up names under `.test` (reserved, RFC 6761: nothing real answers for them, and
 *   the run needs no network): RP ID `rp.test`, pages on `https://shop.test:<port>` (listed) and
 *   `https://other.test:<port>` (not listed), all on 127.0.0.1 through
 *   `--host-resolver-rules`. `MAP rp.test:443 127.0.0.1:<port>` sends the browser's port-443
 *   connections for rp.test to the front server's random port (Chromium matches a rule against
 *   `host:port` too), so nothing binds 443 (which needs root). The front's request log shows the
 *   well-known request arriving there, which is the check that the mapping works.
 * - TLS: a throwaway CA and certificate made at test time (support/local-tls.ts), trusted with
 *   `--ignore-certificate-errors-spki-list` (a pin on that one key) rather than
 *   `--ignore-certificate-errors`: the pages count as valid HTTPS, and any other certificate still
 *   fails.
 * - No feature flag: Chrome shipped Related Origin Requests on by default in 128, and Chromium
 *   156 has no switch for them left (no feature name with "RelatedOrigin" in the binary;
 *   `--disable-features=WebAuthenticationRelatedOrigin` changes nothing).
 * - Checked that it can fail: with passkeyd's well-known emptied, the listed-origin tests get
 *   Chromium's SecurityError; with other.test added to related_origins, the unlisted-origin tests
 *   register and sign in.
 * - `https://rp.test` is passkeyd's public address: the front forwards every path to passkeyd and
 *   keeps the Host header, as an operator's reverse proxy on the RP's domain routes `/v1` and
 *   `/.well-known/webauthn` to it. passkeyd picks the apps by that host.
 * - The unlisted origin cannot call `https://rp.test` cross-origin: passkeyd's CORS allows only an
 *   app's origins and related origins, so the browser would stop at the preflight and the test
 *   would prove CORS, not the WebAuthn check. Its page reaches passkeyd through a relay on its
 *   own origin instead (`/passkeyd` forwarded to passkeyd, as an app that serves passkeyd under
 *   its own domain would), which leaves the browser's Related Origin check as the only thing that
 *   can refuse. The listed origin runs through the same kind of relay too, so the relay is not what
 *   makes the difference.
 * - The label limit: two more apps (RP IDs `sixth.test`, `fifth.test`) list the same six labels
 *   with other.test sixth or fifth, to check that passkeyd's 5-label warning
 *   (domain/apps/related-origins.ts) names exactly the origin Chromium then ignores.
 */

type TestServer = Awaited<ReturnType<typeof startTestServer>>;

const RP_ID = 'rp.test';
/**
 * Two more RP IDs for the label limit (§5.11.1: a browser need count only 5 distinct labels).
 * Both lists name the same six labels (a…e and other); only the position of other.test differs.
 */
const FILLERS = ['a', 'b', 'c', 'd', 'e'].map((label) => `https://${label}.test`);
const LABEL_APPS = [
  { rpId: 'sixth.test', otherAt: 5 },
  { rpId: 'fifth.test', otherAt: 4 },
] as const;
/** How a page reaches passkeyd: `https://rp.test` cross-origin, or a relay on its own origin. */
type Via = 'direct' | 'relay';
const pageName = (via: Via) => `passkeyd-${via}`;
const MAKE_FLEX = 'new Passkeyd.PassageFlex(__config.appId, { baseUrl: __config.baseUrl })';

describeWithBrowser('Related Origin Requests in Chromium (issue 14 item 2)', () => {
  let server: TestServer;
  /** https://rp.test (port 443 as far as the browser knows): passkeyd's public address. */
  let front: StaticServer;
  /** https://shop.test:<port>, listed in the app's related_origins. */
  let shop: StaticServer;
  /** https://other.test:<port>, listed nowhere. */
  let other: StaticServer;
  let browser: LaunchedBrowser;
  let context: BrowserContext;
  let backend: ManagementApi;

  /** The label-limit apps, by RP ID: other.test is their related origin at `otherAt`. */
  const labelApps = new Map<string, { backend: ManagementApi; warnings: string[] }>();

  /** Everything any of the test's HTTPS servers forwarded to passkeyd, across servers. */
  const forwarded = (): ProxiedRequest[] => [...front.proxied, ...shop.proxied, ...other.proxied];
  const wellKnownFetches = () =>
    front.proxied.filter((r) => r.method === 'GET' && r.url === '/.well-known/webauthn');
  const finishes = () =>
    forwarded().filter((r) => r.method === 'POST' && r.url.endsWith('/webauthn/finish'));

  beforeAll(async () => {
    const rpHosts = [RP_ID, ...LABEL_APPS.map((a) => a.rpId)];
    const tls = await createLocalTls([...rpHosts, 'shop.test', 'other.test']);
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

    const bundle = passkeydSdkBundle();
    for (const site of [shop, other]) {
      const relay = site.proxy('/passkeyd', server.baseUrl);
      for (const [via, baseUrl] of [
        ['direct', `https://${RP_ID}`],
        ['relay', relay],
      ] as const) {
        serveSdkPage(site, {
          name: pageName(via),
          bundle,
          makeFlex: MAKE_FLEX,
          config: { appId: server.appId, baseUrl },
        });
      }
    }
    for (const { rpId, otherAt } of LABEL_APPS) {
      const relatedOrigins = [...FILLERS];
      relatedOrigins.splice(otherAt, 0, other.origin);
      const created = await fetch(`${server.baseUrl}/v1/admin/apps`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${server.adminToken}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          name: `Label limit at ${otherAt}`,
          rp_id: rpId,
          origins: [`https://${rpId}`],
          related_origins: relatedOrigins,
        }),
      });
      const body = (await created.json()) as {
        app: { id: string; warnings: string[] };
        api_key: string;
      };
      expect(created.status, JSON.stringify(body)).toBe(201);
      labelApps.set(rpId, {
        backend: managementApi({
          baseUrl: server.baseUrl,
          appId: body.app.id,
          apiKey: body.api_key,
        }),
        warnings: body.app.warnings,
      });
      serveSdkPage(other, {
        name: rpId,
        bundle,
        makeFlex: MAKE_FLEX,
        config: { appId: body.app.id, baseUrl: `https://${rpId}` },
      });
    }

    const rules = [
      ...rpHosts.map((host) => `MAP ${host}:443 127.0.0.1:${front.port}`),
      'MAP shop.test 127.0.0.1',
      'MAP other.test 127.0.0.1',
    ];
    browser = await launchChromium({
      args: [
        `--host-resolver-rules=${rules.join(', ')}`,
        tls.chromiumFlag,
        // Chromium on Linux honours https_proxy from the environment, and a proxy would be sent
        // the .test names (it bypasses only localhost, which the other suites use).
        '--no-proxy-server',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    for (const site of [front, shop, other]) await site?.close();
  });

  beforeEach(async () => {
    context = await browser.newContext();
  });

  afterEach(async () => {
    await context?.close();
  });

  const pageUrl = (site: StaticServer, via: Via) => `${site.origin}/${pageName(via)}.html`;

  async function open(site: StaticServer, via: Via): Promise<SdkPage> {
    const page = await openSdkPage(context, pageUrl(site, via));
    await page.load();
    return page;
  }

  /** Registers a new user's passkey on the page's authenticator; returns the external id. */
  async function register(page: SdkPage): Promise<string> {
    const externalId = newExternalId();
    const transactionId = await backend.createRegisterTransaction(externalId);
    const result = await page.call<string>('register', transactionId);
    expect(result, JSON.stringify(result)).toMatchObject({ ok: true, value: expect.any(String) });
    expect(await backend.verifyNonce((result as { value: string }).value)).toBe(externalId);
    return externalId;
  }

  /**
   * The browser's SecurityError, from the Related Origin step: Chromium's message names the
   * well-known (156: "fetching the .well-known/webauthn resource of the claimed RP ID was
   * successful, but no listed origin matched the caller"), which tells this refusal apart from one
   * where the file could not be fetched at all (a certificate or routing fault of the test).
   */
  function expectRelatedOriginRefusal(result: CallResult): void {
    expect(result).toMatchObject({
      ok: false,
      error: {
        code: 'webauthn_security_error',
        causeName: 'SecurityError',
        statusText: expect.stringMatching(/well-known\/webauthn.*successful/),
      },
    });
  }

  describe('on an origin the well-known lists (https://shop.test:<port>, RP ID rp.test)', () => {
    it.each<[string, Via]>([
      ['calling https://rp.test cross-origin (CORS for a related origin)', 'direct'],
      ['calling passkeyd through a relay on its own origin', 'relay'],
    ])(
      'registers and signs in %s, after the browser read passkeyd’s /.well-known/webauthn',
      async (_, via) => {
        const before = forwarded().length;
        const page = await open(shop, via);
        const authenticator = await page.addAuthenticator();

        const externalId = await register(page);
        const [credential] = await authenticator.credentials();
        expect(credential).toMatchObject({ rpId: RP_ID });

        const transactionId = await backend.createAuthenticateTransaction(externalId);
        const signedIn = await page.call<string>('authenticate', { transactionId });
        expect(signedIn, JSON.stringify(signedIn)).toMatchObject({ ok: true });
        expect(await backend.verifyNonce((signedIn as { value: string }).value)).toBe(externalId);

        // The browser asked passkeyd (through the front, as rp.test:443) and found the page
        // listed, before the first finish: the ceremony rested on that answer.
        const log = forwarded().slice(before);
        const wellKnown = log.findIndex(
          (r) => r.method === 'GET' && r.url === '/.well-known/webauthn',
        );
        expect(wellKnown, JSON.stringify(log.map((r) => `${r.method} ${r.url}`))).toBeGreaterThan(
          -1,
        );
        expect(log[wellKnown]).toMatchObject({ host: RP_ID, status: 200 });
        expect(JSON.parse(log[wellKnown]!.body)).toEqual({ origins: [shop.origin] });
        const isFinish = (r: ProxiedRequest) =>
          r.method === 'POST' && r.url.endsWith('/webauthn/finish');
        expect(log.findIndex(isFinish)).toBeGreaterThan(wellKnown);
        expect(log.filter(isFinish)).toHaveLength(2);
      },
    );
  });

  describe('on an origin the well-known does not list (https://other.test:<port>)', () => {
    it('refuses to register with SecurityError, and passkeyd is never asked to finish', async () => {
      const fetchesBefore = wellKnownFetches().length;
      const finishesBefore = finishes().length;
      const page = await open(other, 'relay');
      const authenticator = await page.addAuthenticator();
      const externalId = newExternalId();
      const transactionId = await backend.createRegisterTransaction(externalId);

      const result = await page.call('register', transactionId);

      expectRelatedOriginRefusal(result);
      // passkeyd handed out the options (start), the browser looked the origin up, found it
      // missing and refused, so no credential exists and nothing was sent to finish.
      expect(
        other.proxied.some((r) => r.url.endsWith('/register/transactions/webauthn/start')),
      ).toBe(true);
      const fetched = wellKnownFetches().slice(fetchesBefore);
      expect(fetched.length).toBeGreaterThan(0);
      expect(JSON.parse(fetched.at(-1)!.body)).toEqual({ origins: [shop.origin] });
      expect(finishes().slice(finishesBefore)).toEqual([]);
      expect(await authenticator.credentials()).toEqual([]);
    });

    it('refuses to sign in with a passkey made on the listed origin, with SecurityError', async () => {
      // One tab, one authenticator: the passkey is made on shop.test, then the tab goes to
      // other.test, so the authenticator holds a passkey for rp.test that the browser must not
      // let this origin use.
      const fetchesBefore = wellKnownFetches().length;
      const page = await open(shop, 'relay');
      await page.addAuthenticator();
      const externalId = await register(page);
      await page.load(pageUrl(other, 'relay'));
      const finishesBefore = finishes().length;
      const transactionId = await backend.createAuthenticateTransaction(externalId);

      const result = await page.call('authenticate', { transactionId });

      expectRelatedOriginRefusal(result);
      // Chromium keeps the file it fetched for the registration (passkeyd sends max-age=300) and
      // checks this origin against that copy, so there may be no second fetch.
      expect(wellKnownFetches().length).toBeGreaterThan(fetchesBefore);
      expect(finishes().slice(finishesBefore)).toEqual([]);
    });
  });

  describe('past the five-label limit (WebAuthn L3 §5.11.1)', () => {
    it.each<[string, string, boolean]>([
      [
        'refuses other.test as the sixth label of the well-known, the origin passkeyd warns about',
        'sixth.test',
        false,
      ],
      [
        'allows other.test as the fifth label of the same six, which passkeyd does not warn about',
        'fifth.test',
        true,
      ],
    ])('%s', async (_, rpId, allowed) => {
      const app = labelApps.get(rpId)!;
      // passkeyd's warning names exactly the origins Chromium then ignores.
      const warned = app.warnings.some((w) => w.includes(other.origin));
      expect(warned).toBe(!allowed);

      const page = await openSdkPage(context, `${other.origin}/${rpId}.html`);
      await page.load();
      await page.addAuthenticator();
      const externalId = newExternalId();
      const transactionId = await app.backend.createRegisterTransaction(externalId);
      const result = await page.call<string>('register', transactionId);

      const fetched = wellKnownFetches().filter((r) => r.host === rpId);
      expect(fetched.length).toBeGreaterThan(0);
      expect(JSON.parse(fetched.at(-1)!.body).origins).toContain(other.origin);
      if (allowed) {
        expect(result, JSON.stringify(result)).toMatchObject({ ok: true });
        expect(await app.backend.verifyNonce((result as { value: string }).value)).toBe(externalId);
      } else {
        expectRelatedOriginRefusal(result);
      }
    });
  });
});
