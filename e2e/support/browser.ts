import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { describe, it } from 'vitest';

/**
 * Chromium for the browser suites: Debian's package (apt-get install chromium), driven by
 * playwright-core over CDP. `npx playwright install` needs the internet, so we never rely on it.
 * Set CHROMIUM_PATH to use another binary.
 */

const CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];

export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find((path) => existsSync(path));
}

export function isCI(): boolean {
  return /^(true|1|yes)$/i.test(process.env.CI ?? '');
}

/**
 * `describe` for a suite that needs Chromium. Without a browser it skips, loudly, on a developer
 * machine; in CI (CI=true) it fails, because a suite that silently skips proves nothing.
 */
export function describeWithBrowser(name: string, suite: () => void): void {
  if (findChromium()) {
    describe(name, suite);
    return;
  }
  const why = `Chromium not found (looked at CHROMIUM_PATH, ${CANDIDATES.join(', ')}). Install it with \`apt-get install chromium\`.`;
  if (isCI()) {
    describe(name, () => {
      it('needs Chromium in CI', () => {
        throw new Error(`${why} CI=true, so this is a failure, not a skip.`);
      });
    });
    return;
  }
  console.warn(
    `\n${'!'.repeat(78)}\n!! SKIPPING browser suite "${name}"\n!! ${why}\n${'!'.repeat(78)}\n`,
  );
  describe.skip(`${name} [SKIPPED: no Chromium]`, suite);
}

export interface LaunchedBrowser {
  browser: Browser;
  /** A fresh, isolated context (cookies, storage, virtual authenticators are per page/context). */
  newContext(): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function launchChromium(options: { args?: string[] } = {}): Promise<LaunchedBrowser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('Chromium not found; use describeWithBrowser.');
  // launch() (unlike launchPersistentContext) gives every run a fresh temporary profile, so
  // nothing leaks between runs or from a developer's own Chromium profile.
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...(options.args ?? []),
    ],
  });
  return {
    browser,
    newContext: () => browser.newContext(),
    async close() {
      await browser.close();
    },
  };
}
