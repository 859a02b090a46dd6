import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import type { StaticServer } from './static-server.js';
import {
  addVirtualAuthenticator,
  type VirtualAuthenticator,
  type VirtualAuthenticatorOptions,
} from './virtual-authenticator.js';

/**
 * A test page that loads a browser SDK bundle and e2e/pages/harness.js, and the calls to drive it.
 * The SDK is chosen by `makeFlex`, a JS expression evaluated in the page (it may read
 * `window.__config`), so one page shape serves @passkeyd/js and passage-flex-js alike.
 */

const harnessSource = readFileSync(new URL('../pages/harness.js', import.meta.url), 'utf8');

export interface SdkPageSpec {
  /** Short name, used in served paths. */
  name: string;
  /** The SDK's IIFE bundle source. */
  bundle: string;
  /** e.g. `new Passkeyd.PassageFlex(__config.appId, { baseUrl: __config.baseUrl })`. */
  makeFlex: string;
  config: Record<string, unknown>;
}

export type CallResult<T = unknown> =
  | { ok: true; value: T }
  | {
      ok: false;
      error: {
        name?: string;
        message: string;
        code?: string;
        status?: number;
        statusCode?: number;
        statusText?: string;
        causeName?: string;
      };
    };

/** Registers the page, the bundle and the harness on a static server; returns the page URL. */
export function serveSdkPage(site: StaticServer, spec: SdkPageSpec): string {
  site.page(`/sdk/${spec.name}.js`, spec.bundle, 'text/javascript; charset=utf-8');
  site.page('/harness.js', harnessSource, 'text/javascript; charset=utf-8');
  return site.page(
    `/${spec.name}.html`,
    `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${spec.name} SDK test page</title></head>
<body>
  <form onsubmit="return false">
    <label>Username <input id="username" name="username" autocomplete="username webauthn"></label>
  </form>
  <script>window.__config = ${JSON.stringify(spec.config)};</script>
  <script src="/sdk/${spec.name}.js"></script>
  <script>window.__makeFlex = () => (${spec.makeFlex});</script>
  <script src="/harness.js"></script>
</body>
</html>`,
  );
}

export interface SdkPage {
  page: Page;
  /**
   * Opens (or reopens: a fresh JS context, same tab and authenticators) the page and builds the
   * SDK object. `otherUrl` navigates the same tab to another SDK page (another origin, say),
   * keeping its authenticators.
   */
  load(otherUrl?: string): Promise<void>;
  call<T = unknown>(method: string, ...args: unknown[]): Promise<CallResult<T>>;
  /** Starts a call without awaiting it (autofill); `wait` returns its result. */
  start(method: string, ...args: unknown[]): Promise<number>;
  wait<T = unknown>(id: number): Promise<CallResult<T>>;
  addAuthenticator(options?: VirtualAuthenticatorOptions): Promise<VirtualAuthenticator>;
}

export async function openSdkPage(context: BrowserContext, url: string): Promise<SdkPage> {
  const page = await context.newPage();
  const sdkPage: SdkPage = {
    page,
    async load(otherUrl = url) {
      await page.goto(otherUrl);
      await page.evaluate(() => window.harness.create());
    },
    call: (method, ...args) =>
      page.evaluate(([m, a]) => window.harness.call(m, ...a), [method, args] as const) as never,
    start: (method, ...args) =>
      page.evaluate(([m, a]) => window.harness.start(m, ...a), [method, args] as const),
    wait: (id) => page.evaluate((i) => window.harness.wait(i), id) as never,
    addAuthenticator: (options) => addVirtualAuthenticator(page, options),
  };
  return sdkPage;
}

declare global {
  interface Window {
    harness: {
      /** The SDK object the page built (typed as ours; passage-flex-js has the same `passkey` shape). */
      flex: import('../../packages/js/src/index.js').PassageFlex;
      create(): boolean;
      call(method: string, ...args: unknown[]): Promise<CallResult>;
      start(method: string, ...args: unknown[]): number;
      wait(id: number): Promise<CallResult>;
      spyOnSignals(): boolean;
      signalCalls: Array<{ rpId: string; credentialId: string }>;
    };
  }
}
