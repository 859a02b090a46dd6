import { expect, it } from 'vitest';
import { passkeydSdkBundle } from './support/bundles.js';
import { passageErrorExpectations } from './support/passage-expectations.js';
import { describeSdkScenarios, newExternalId, type SdkUnderTest } from './sdk-scenarios.js';

/**
 * Issue 14 item 8: an app written for passage-flex-js recognises failures by
 * `name === 'PassageError'`, `statusCode` (the HTTP status, or 707 / 702 for a failed
 * credentials.create / .get) and `statusText`. This runs every shared scenario with @passkeyd/js
 * (the shipped bundle, real CORS) held to exactly the expectations passage-dropin.test.ts holds
 * Passage's own SDK to, so such an app can switch SDKs without touching its error handling.
 */

const passkeydAsPassage: SdkUnderTest = {
  title: '@passkeyd/js held to passage-flex-js error expectations',
  name: 'passkeyd-as-passage',
  bundle: passkeydSdkBundle,
  makeFlex: 'new Passkeyd.PassageFlex(__config.appId, { baseUrl: __config.baseUrl })',
  ...passageErrorExpectations,
};

describeSdkScenarios(passkeydAsPassage, (suite) => {
  it('rejects with an instance of the exported PassageError class, keeping code and status', async () => {
    const page = await suite.openPage();
    await page.addAuthenticator();
    const externalId = await suite.registerUser(page, newExternalId());
    const again = await suite.backend.createRegisterTransaction(externalId, 'Jane Doe');
    const outcome = await page.page.evaluate(
      async ([transactionId]) => {
        const { PassageError, PasskeydError } = window.Passkeyd;
        const seen = async (p: Promise<unknown>) =>
          p.then(
            () => null,
            (err: InstanceType<typeof PassageError>) => ({
              isPassageError: err instanceof PassageError,
              isPasskeydError: err instanceof PasskeydError,
              code: err.code,
              status: err.status ?? null,
              statusCode: err.statusCode ?? null,
            }),
          );
        return {
          excluded: await seen(window.harness.flex.passkey.register(transactionId!)),
          unknown: await seen(window.harness.flex.passkey.register('txn_does_not_exist')),
        };
      },
      [again],
    );
    expect(outcome).toEqual({
      excluded: {
        isPassageError: true,
        isPasskeydError: true,
        code: 'credential_already_registered',
        status: null,
        statusCode: 707,
      },
      unknown: {
        isPassageError: true,
        isPasskeydError: true,
        code: 'transaction_not_found',
        status: 404,
        statusCode: 404,
      },
    });
  });
});
