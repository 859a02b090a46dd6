import type { Request } from 'playwright-core';
import { expect, it } from 'vitest';
import { passageSdkBundle, passkeydSdkBundle } from './support/bundles.js';
import { passageErrorExpectations } from './support/passage-expectations.js';
import { openSdkPage, serveSdkPage, type SdkPage } from './support/sdk-page.js';
import {
  describeSdkScenarios,
  newExternalId,
  type SdkSuite,
  type SdkUnderTest,
} from './sdk-scenarios.js';

/**
 * The drop-in proof: Passage's own published browser SDK (@passageidentity/passage-flex-js
 * 1.0.2, unmodified) runs the shared scenarios against passkeyd. Its base URL is hard-coded to
 * https://auth.passage.id/v1, so requests there are rerouted to the local passkeyd, as a DNS
 * override would in production. Playwright then answers CORS preflights itself (passage-wire.md
 * §8.1); sdk-js.test.ts covers real CORS.
 */

const PASSAGE_API = 'https://auth.passage.id/v1';
// Passage's config names an analytics endpoint; 1.0.2 never calls it (passage-wire.md §5.5),
// but if it did, it must not leave the machine.
const PASSAGE_ANALYTICS = /^https:\/\/us-central1-passage-prod\.cloudfunctions\.net\/capture-event/;

const passage: SdkUnderTest = {
  title: '@passageidentity/passage-flex-js 1.0.2 (drop-in)',
  name: 'passage',
  bundle: passageSdkBundle,
  makeFlex: 'new PassageFlexJs.PassageFlex(__config.appId)',
  async preparePage(page, server) {
    await page.route(PASSAGE_ANALYTICS, (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: '{}' }),
    );
    await page.route(`${PASSAGE_API}/**`, async (route) => {
      const url = route.request().url().replace(PASSAGE_API, `${server.baseUrl}/v1`);
      const response = await route.fetch({ url });
      await route.fulfill({ response });
    });
  },
  ...passageErrorExpectations,
};

describeSdkScenarios(passage, (suite: SdkSuite) => {
  it('@passkeyd/js sends the same requests as passage-flex-js (paths, headers, body shapes)', async () => {
    const passkeydUrl = serveSdkPage(suite.site, {
      name: 'passkeyd',
      bundle: passkeydSdkBundle(),
      makeFlex: 'new Passkeyd.PassageFlex(__config.appId, { baseUrl: __config.baseUrl })',
      config: { appId: suite.server.appId, baseUrl: suite.server.baseUrl },
    });
    const passkeydPage = await openSdkPage(suite.context, passkeydUrl);
    await passkeydPage.load();
    const passagePage = await suite.openPage();

    const wire = async (page: SdkPage) => {
      // WebAuthn only runs in the focused tab.
      await page.page.bringToFront();
      const requests: Request[] = [];
      page.page.on('request', (r) => {
        if (r.method() === 'POST') requests.push(r);
      });
      await page.addAuthenticator();
      const externalId = await suite.registerUser(page, newExternalId());
      const transactionId = await suite.backend.createAuthenticateTransaction(externalId);
      expect(await page.call('authenticate', { transactionId })).toMatchObject({ ok: true });
      expect(await page.call('authenticate')).toMatchObject({ ok: true });
      return Promise.all(
        requests.map(async (r) => ({
          path: new URL(r.url()).pathname.replace(/^\/v1\/apps\/[^/]+/, ''),
          contentType: await r.headerValue('content-type'),
          hasVersionHeader: (await r.headerValue('passage-flex-version')) !== null,
          body: shape(r.postDataJSON()),
        })),
      );
    };

    const ours = await wire(passkeydPage);
    const theirs = await wire(passagePage);
    expect(theirs).toHaveLength(6);
    expect(ours).toEqual(theirs);
  });
});

/** A JSON value with every string, number and boolean replaced by its type. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, shape(v)]),
    );
  }
  return typeof value;
}
