import { startTestServer, type TestServer } from '@passkeyd/server/testing';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBrowser, launchChromium, type LaunchedBrowser } from './support/browser.js';
import { buildConsoleIfStale } from './support/console-build.js';

/**
 * The console's Webhooks page in Chromium against a real passkeyd (issue 15 item 1): an
 * operator adds an endpoint and sees its signing secret once, sends a test, redelivers a failed
 * delivery, disables the endpoint, rotates its secret and deletes it; each step is checked on
 * the server too. The dispatcher is off (PASSKEYD_WEBHOOKS=false) so deliveries stay as this
 * test leaves them; a failed delivery is written the way the dispatcher would write one.
 */

const ORIGIN = 'https://shop.acme.test';
const URL_IN = 'https://hooks.acme.test/passkeyd';

describeWithBrowser('admin console: webhooks (Chromium)', () => {
  let server: TestServer;
  let browser: LaunchedBrowser;
  let context: BrowserContext;
  let page: Page;

  const adminGet = async (path: string) => {
    const r = await fetch(`${server.baseUrl}/v1/admin/apps/${server.appId}${path}`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    expect(r.status, path).toBe(200);
    return { text: await r.clone().text(), json: (await r.json()) as any };
  };
  const visible = (l: Locator) => l.waitFor({ state: 'visible', timeout: 10_000 });
  const heading = (name: string) => page.getByRole('heading', { level: 1, name, exact: true });
  const card = () => page.locator('section.webhook-endpoint').filter({ hasText: URL_IN });

  beforeAll(async () => {
    buildConsoleIfStale();
    server = await startTestServer({
      origins: [ORIGIN],
      rpId: 'acme.test',
      env: { PASSKEYD_WEBHOOKS: 'false' },
    });
    browser = await launchChromium();
    context = await browser.browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    await page.goto(`${server.baseUrl}/console/`);
    await page.getByLabel('Admin token').fill(server.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await visible(heading('Apps'));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('adds an endpoint and shows its signing secret once', async () => {
    await page.getByRole('link', { name: 'Test app' }).first().click();
    await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
    await visible(heading('Webhooks'));
    await visible(page.getByText('No endpoints yet'));

    await page.getByLabel('URL').fill('http://hooks.acme.test/');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await visible(page.getByRole('alert').filter({ hasText: 'invalid_webhook_url' }));

    await page.getByLabel('URL').fill(URL_IN);
    await page.getByLabel('Description (optional)').fill('CRM sync');
    await page.getByText(/Choose events/).click();
    await page.getByLabel('passkey.registered', { exact: true }).check();
    await page.getByLabel('passkey.revoked', { exact: true }).check();
    await page.getByRole('button', { name: 'Add endpoint' }).click();

    const box = page.getByTestId('webhook-secret');
    await visible(box);
    const secret = (await box.textContent())!;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const listed = await adminGet('/webhooks');
    expect(listed.json.endpoints).toEqual([
      expect.objectContaining({
        url: URL_IN,
        description: 'CRM sync',
        event_types: ['passkey.registered', 'passkey.revoked'],
        enabled: true,
      }),
    ]);
    expect(listed.text).not.toContain(secret);
    // What is shown is what the deliveries will be signed with.
    const stored = await server.server.storage.webhooks.get(
      server.appId,
      listed.json.endpoints[0].id,
    );
    expect(stored?.secret).toBe(secret);

    await page.getByRole('button', { name: 'I have stored it' }).click();
    await visible(card());
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    await visible(card());
    expect(await page.content()).not.toContain(secret);
    await expect
      .poll(() =>
        page.evaluate(
          () =>
            [...document.querySelectorAll<HTMLInputElement>('input')].filter(
              (el) => !(el.labels && el.labels.length > 0) && !el.getAttribute('aria-label'),
            ).length,
        ),
      )
      .toBe(0);
  });

  it('sends a test and redelivers a failed delivery', async () => {
    await card().getByRole('button', { name: 'Send test' }).click();
    const row = card().getByRole('row', { name: /webhook\.test/ });
    await visible(row);
    await expect.poll(() => row.getByTestId('delivery-status').textContent()).toBe('pending');
    const endpointId = (await adminGet('/webhooks')).json.endpoints[0].id;
    const [delivery] = (await adminGet(`/webhooks/${endpointId}/deliveries`)).json.deliveries;
    expect(delivery).toMatchObject({ event_type: 'webhook.test', source: 'test' });

    // What the dispatcher writes when it gives up on a delivery.
    await server.server.storage.db
      .updateTable('webhook_deliveries')
      .set({
        status: 'failed',
        attempts: 12,
        last_status_code: 500,
        last_latency_ms: 87,
        last_error: 'HTTP 500',
      })
      .where('id', '=', delivery.id)
      .execute();
    await card().getByRole('button', { name: 'Refresh deliveries' }).click();
    await expect.poll(() => row.getByTestId('delivery-status').textContent()).toBe('failed');
    await visible(row.getByText('500', { exact: true }));
    await visible(row.getByText('87 ms'));
    expect(await row.getByTestId('delivery-attempts').textContent()).toBe('12');

    await row.getByRole('button', { name: /^Redeliver/ }).click();
    await expect.poll(() => row.getByTestId('delivery-status').textContent()).toBe('pending');
    expect(await row.getByTestId('delivery-attempts').textContent()).toBe('0');
    const [after] = (await adminGet(`/webhooks/${endpointId}/deliveries`)).json.deliveries;
    expect(after).toMatchObject({ id: delivery.id, status: 'pending', attempts: 0 });
  });

  it('disables, edits the events of, rotates the secret of and deletes the endpoint', async () => {
    await card().getByRole('button', { name: 'Disable' }).click();
    await visible(card().getByText('Disabled', { exact: true }));
    expect((await adminGet('/webhooks')).json.endpoints[0].enabled).toBe(false);
    await card().getByRole('button', { name: 'Enable' }).click();
    await visible(card().getByText('Enabled', { exact: true }));

    await card().getByRole('button', { name: 'Edit events' }).click();
    await card().getByLabel('passkey.revoked', { exact: true }).uncheck();
    await card().getByLabel('user.deleted', { exact: true }).check();
    await card().getByRole('button', { name: 'Save events' }).click();
    await visible(card().getByText('Events: passkey.registered, user.deleted'));
    expect((await adminGet('/webhooks')).json.endpoints[0].event_types).toEqual([
      'passkey.registered',
      'user.deleted',
    ]);

    const before = (await server.server.storage.webhooks.list(server.appId))[0]!.secret;
    await card().getByRole('button', { name: 'Rotate secret' }).click();
    const rotate = page.getByRole('dialog', { name: 'Rotate the signing secret?' });
    await visible(rotate);
    await rotate.getByRole('button', { name: 'Rotate secret' }).click();
    const box = page.getByTestId('webhook-secret');
    await visible(box);
    const secret = (await box.textContent())!;
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(before);
    expect(await server.server.storage.webhooks.list(server.appId)).toEqual([
      expect.objectContaining({ secret, previousSecret: before }),
    ]);
    await page.getByRole('button', { name: 'I have stored it' }).click();
    await visible(card().getByText(/previous secret valid until/));

    await card()
      .getByRole('button', { name: `Delete endpoint ${URL_IN}` })
      .click();
    const del = page.getByRole('dialog', { name: 'Delete this endpoint?' });
    await visible(del);
    await del.getByRole('button', { name: 'Delete endpoint' }).click();
    await visible(page.getByText('No endpoints yet'));
    expect((await adminGet('/webhooks')).json.endpoints).toEqual([]);
  });
});
