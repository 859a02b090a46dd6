import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { launchChromium, type LaunchedBrowser } from '../../../../e2e/support/browser.js';
import { passkeydSdkBundle } from '../../../../e2e/support/bundles.js';
import { startStack, type Stack } from './start-stack.js';

/**
 * The example app in Chromium: its real pages, its own backend and database, the @passkeyd/js
 * <script> bundle and a real passkeyd. A CDP virtual authenticator plays the user's device; the
 * pages and passkeyd are on different ports, so the SDK's calls are real CORS requests.
 */

export const newEmail = (name = 'user') => `${name}.${randomUUID().slice(0, 6)}@example.com`;

/** Chromium's virtual authenticator, as a synced passkey manager would be (WebAuthn BE and BS flags). */
export const SYNCED = {
  transport: 'internal',
  defaultBackupEligibility: true,
  defaultBackupState: true,
} as const;

const imagesDir = fileURLToPath(new URL('../../../../docs/images/', import.meta.url));

/**
 * With PASSKEYD_SCREENSHOTS=1, keeps the latest screenshot of each page for the README
 * (docs/images/example-*.png); otherwise writes nothing, so a test run leaves the tree clean.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.PASSKEYD_SCREENSHOTS !== '1') return;
  mkdirSync(imagesDir, { recursive: true });
  await page.screenshot({ path: `${imagesDir}example-${name}.png`, fullPage: true });
}

/**
 * A person, not the browser, decides when autofill sign-in happens: they pick a passkey from the
 * email field's suggestions. Chromium's virtual authenticator has no suggestions UI and answers a
 * conditional request at once, which would sign in every visitor on page load. This holds each
 * conditional get() until the test "picks" (window.pickPasskeyFromAutofill()), then lets the real
 * request run; an abort (a button starting its own ceremony) still cancels it, as in a browser.
 */
function holdAutofillUntilPicked(): void {
  let pick!: () => void;
  const picked = new Promise<void>((resolve) => (pick = resolve));
  (window as unknown as AutofillUser).pickPasskeyFromAutofill = () => pick();
  const realGet = navigator.credentials.get.bind(navigator.credentials);
  navigator.credentials.get = (options?: CredentialRequestOptions) => {
    if (options?.mediation !== 'conditional') return realGet(options);
    const signal = options.signal;
    return new Promise<Credential | null>((resolve, reject) => {
      const abort = () =>
        reject(signal?.reason ?? new DOMException('The operation was aborted.', 'AbortError'));
      if (signal?.aborted) return abort();
      signal?.addEventListener('abort', abort, { once: true });
      void picked.then(() => {
        if (signal?.aborted) return;
        signal?.removeEventListener('abort', abort);
        realGet(options).then(resolve, reject);
      });
    });
  };
}

interface AutofillUser {
  pickPasskeyFromAutofill(): void;
}

/** The user picks the passkey offered in the email field's autofill. */
export async function pickPasskeyFromAutofill(page: Page): Promise<void> {
  await page.focus('#email');
  await page.evaluate(() => (window as unknown as AutofillUser).pickPasskeyFromAutofill());
}

/** A finish call the browser SDK made to passkeyd, as observed on the wire. */
export interface Ceremony {
  path: string;
  body: Record<string, unknown>;
}

export interface BrowserSuite {
  readonly stack: Stack;
  readonly browser: Browser;
  readonly context: BrowserContext;
  /** Finish calls to passkeyd since the test began (or since the test emptied it). */
  ceremonies: Ceremony[];
  /** A tab in this test's browser context (one cookie jar), with its own virtual authenticators. */
  openPage(): Promise<Page>;
  url(path: string): string;
  /** The external ID the example app gave passkeyd for this user, from the app's own database. */
  externalIdOf(email: string): string;
  passkeyNames(page: Page): Promise<string[]>;
  message(page: Page): Promise<string | null>;
  signUp(page: Page, email: string): Promise<void>;
  signOut(page: Page): Promise<void>;
}

/** Boots passkeyd, the example app and Chromium for one test file; a fresh browser context per test. */
export function useBrowserSuite(): BrowserSuite {
  let stack: Stack;
  let chromium: LaunchedBrowser;
  let context: BrowserContext;
  let problems: string[] = [];

  beforeAll(async () => {
    passkeydSdkBundle(); // builds packages/js when its dist is missing or stale
    stack = await startStack();
    chromium = await launchChromium();
  });

  afterAll(async () => {
    await chromium?.close();
    await stack?.close();
  });

  beforeEach(async () => {
    context = await chromium.newContext();
    problems = [];
    suite.ceremonies = [];
    stack.clock.offsetMs = 0;
    stack.exampleClock.offsetMs = 0;
  });

  afterEach(async () => {
    await context?.close();
    // CSP violations and script errors show up here.
    expect(problems, 'console errors and page errors').toEqual([]);
    expect(stack.logged, 'unexpected errors logged by the example app').toEqual([]);
  });

  const url = (path: string) => `${stack.example.url}${path}`;

  const suite: BrowserSuite = {
    get stack() {
      return stack;
    },
    get browser() {
      return chromium.browser;
    },
    get context() {
      return context;
    },
    ceremonies: [],
    url,
    async openPage() {
      const page = await context.newPage();
      // Fail on the step that hangs, well before the test's own timeout.
      page.setDefaultTimeout(10_000);
      await page.addInitScript(holdAutofillUntilPicked);
      page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
      page.on('console', (msg) => {
        // Chromium logs every 4xx fetch as "Failed to load resource"; tests check those answers.
        if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
          problems.push(`console: ${msg.text()}`);
        }
      });
      const passkeydOrigin = new URL(stack.passkeyd.baseUrl).origin;
      page.on('request', (request) => {
        const target = new URL(request.url());
        if (target.origin === passkeydOrigin && target.pathname.endsWith('/finish')) {
          suite.ceremonies.push({
            path: target.pathname.replace(/^.*\/apps\/[^/]+\//, ''),
            body: request.postDataJSON() as Record<string, unknown>,
          });
        }
      });
      return page;
    },
    externalIdOf(email) {
      const db = new Database(stack.exampleDatabasePath, { readonly: true });
      try {
        const row = db
          .prepare('SELECT passkey_external_id FROM users WHERE email = ?')
          .get(email) as { passkey_external_id: string } | undefined;
        if (!row) throw new Error(`the example app has no user ${email}`);
        return row.passkey_external_id;
      } finally {
        db.close();
      }
    },
    passkeyNames: (page) => page.locator('.passkey .passkey-name').allTextContents(),
    message: (page) => page.textContent('#message'),
    async signUp(page, email) {
      await page.goto(url('/sign-up'));
      await page.fill('#email', email);
      await page.click('#create-passkey');
      await page.waitForURL(url('/account'));
    },
    async signOut(page) {
      await page.click('#sign-out');
      await page.waitForURL(url('/sign-in'));
    },
  };
  return suite;
}
