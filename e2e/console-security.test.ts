import { startTestServer, type TestServer } from '@passkeyd/server/testing';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBrowser, launchChromium, type LaunchedBrowser } from './support/browser.js';
import { buildConsoleIfStale } from './support/console-build.js';
import { startStaticServer } from './support/static-server.js';

/**
 * Issue 12, items 1 and 13, in Chromium: "sign out everywhere" from the console ends the
 * sessions of other browsers too; /docs works under its Content-Security-Policy and no other
 * site can frame it.
 */

const ORIGIN = 'https://shop.acme.test';

describeWithBrowser('console sessions and /docs (Chromium)', () => {
  let server: TestServer;
  let browser: LaunchedBrowser;

  const visible = (l: Locator) => l.waitFor({ state: 'visible', timeout: 10_000 });
  const heading = (page: Page, name: string) =>
    page.getByRole('heading', { level: 1, name, exact: true });
  async function signedIn(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.baseUrl}/console/`);
    await page.getByLabel('Admin token').fill(server.adminToken);
    await page.keyboard.press('Enter');
    await visible(heading(page, 'Apps'));
    return { context, page };
  }
  const sessionCount = async () =>
    (
      await server.server.storage.db
        .withTables<{ console_sessions: { id_hash: string } }>()
        .selectFrom('console_sessions')
        .select('id_hash')
        .execute()
    ).length;

  beforeAll(async () => {
    buildConsoleIfStale();
    server = await startTestServer({ origins: [ORIGIN], rpId: 'acme.test' });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('ends every console session, in other browsers too, from the "End all sessions" button', async () => {
    const mine = await signedIn();
    const theirs = await signedIn();
    expect(await sessionCount()).toBe(2);

    await mine.page.getByRole('button', { name: 'End all sessions' }).click();
    const dialog = mine.page.getByRole('dialog', { name: 'Sign out everywhere?' });
    await visible(dialog);
    await dialog.getByRole('button', { name: 'End every session' }).click();
    await visible(heading(mine.page, 'Sign in'));
    await visible(mine.page.getByText('Every console session has ended, in every browser.'));
    expect(await sessionCount()).toBe(0);
    expect((await mine.context.cookies()).filter((c) => c.name === 'passkeyd_console')).toEqual([]);

    // The other browser still holds its cookie; its next request finds the session gone.
    await theirs.page.reload();
    await visible(heading(theirs.page, 'Sign in'));
    await mine.context.close();
    await theirs.context.close();
  });

  it('renders /docs under its Content-Security-Policy, with nothing blocked', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(`${server.baseUrl}/docs`);
    await visible(page.getByRole('heading', { name: /passkeyd/ }).first());
    // An operation expands (scripts and styles all loaded and running).
    await page.locator('.opblock-summary').first().click();
    await visible(page.locator('.opblock-body').first());
    expect(violations).toEqual([]);
    await context.close();
  });

  it('cannot be framed by another site', async () => {
    const site = await startStaticServer();
    try {
      site.page(
        '/frame.html',
        `<!doctype html><iframe id="docs" src="${server.baseUrl}/docs"></iframe>`,
      );
      const context = await browser.newContext();
      const page = await context.newPage();
      const refused = page.waitForEvent('console', {
        predicate: (m) => /frame-ancestors|X-Frame-Options/.test(m.text()),
        timeout: 10_000,
      });
      await page.goto(`${site.origin}/frame.html`);
      expect((await refused).text()).toMatch(/frame-ancestors 'none'|X-Frame-Options/);
      const frame = page.frames().find((f) => f !== page.mainFrame());
      const text = await frame?.evaluate(() => document.body?.innerText ?? '').catch(() => '');
      expect(text ?? '').not.toMatch(/passkeyd/);
      await context.close();
    } finally {
      await site.close();
    }
  });
});
