import { expect } from 'vitest';
import type { SdkUnderTest } from '../sdk-scenarios.js';

/**
 * How an app written for passage-flex-js 1.0.2 recognises each expected failure. The drop-in
 * suite (passage-dropin.test.ts) holds Passage's own SDK to these; sdk-js-as-passage.test.ts
 * holds @passkeyd/js to the very same, which is what lets such an app switch SDKs unchanged.
 */

// Passage reports WebAuthn failures as PassageError with a pseudo-status (707 create, 702 get)
// and the DOMException's message as statusText (passage-wire.md §5.2); the message is the only
// trace of which DOMException it was.
const DOMEXCEPTION_MESSAGE = {
  user_cancelled: /timed out or was not allowed/,
  credential_already_registered: /already registered/,
};

export const passageErrorExpectations: Pick<
  SdkUnderTest,
  'expectServerError' | 'expectBrowserFailure'
> = {
  expectServerError(result, expected) {
    // passage-flex-js reads only the HTTP status and the `error` text, never `code`.
    expect(result).toMatchObject({
      ok: false,
      error: { name: 'PassageError', statusCode: expected.status, message: expect.any(String) },
    });
  },
  expectBrowserFailure(result, expected, ceremony) {
    expect(result).toMatchObject({
      ok: false,
      error: {
        name: 'PassageError',
        statusCode: ceremony === 'create' ? 707 : 702,
        statusText: expect.stringMatching(DOMEXCEPTION_MESSAGE[expected]),
      },
    });
  },
};
