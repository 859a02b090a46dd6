import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CeremonyClient, startTestServer, type TestServer } from '@passkeyd/server/testing';
import { TestAuthenticator } from '@passkeyd/test-authenticator';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithBrowser, launchChromium, type LaunchedBrowser } from './support/browser.js';
import { buildConsoleIfStale } from './support/console-build.js';

/**
 * The admin console in Chromium against a real passkeyd: an operator signs in with the admin
 * token, creates an app and an API key, finds a user, renames and revokes a passkey, reads the
 * events and signs out. Every step is checked against the server too, not only on screen. With
 * PASSKEYD_SCREENSHOTS=1 each page is saved to docs/images/console-*.png for docs/console.md;
 * otherwise no file is written, so a test run leaves the tracked images alone (e2e/README.md).
 */

const root = fileURLToPath(new URL('../', import.meta.url));
const imagesDir = join(root, 'docs/images');
const saveScreenshots = process.env.PASSKEYD_SCREENSHOTS === '1';
const ORIGIN = 'https://shop.acme.test';
const DAY = 86_400_000;
const HOUR = 3_600_000;
const GOOGLE_PASSWORD_MANAGER = 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4';
const YUBIKEY_5 = 'cb69481e-8ff7-4039-93ec-0a2729a154a8';

/** A clock the seeding moves into the past, so the activity chart has weeks of history. */
const clock = { shift: 0, now: () => Date.now() + clock.shift };

/** Deterministic "random" choices, so every run draws the same chart. */
function lcg(seed: number) {
  let s = seed;
  return () => (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

async function seed(server: TestServer) {
  const client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
  const rand = lcg(7);
  const people = [
    'bob@acme.test',
    'carol@acme.test',
    'dave@acme.test',
    'erin@acme.test',
    'frank@acme.test',
    'grace@acme.test',
    'heidi@acme.test',
  ];
  const devices = new Map<string, TestAuthenticator>();
  const at = async (msAgo: number, fn: () => Promise<unknown>) => {
    clock.shift = -msAgo;
    await fn();
  };
  const ok = async (p: Promise<{ status: number; body: unknown }>) => {
    const r = await p;
    if (r.status !== 200) throw new Error(`seeding: ${r.status} ${JSON.stringify(r.body)}`);
  };
  // The passkey's name is the transaction's display name, as with Passage.
  const register = async (device: TestAuthenticator, externalId: string, displayName: string) => {
    const tx = await client.createRegisterTransaction(externalId, displayName);
    const start = await client.startRegistration(tx);
    return client.finishRegistration(
      start.handshake.id,
      device.createCredential(start.handshake.challenge.publicKey, { origin: ORIGIN }),
      tx,
    );
  };

  const alicePhone = new TestAuthenticator({ aaguid: GOOGLE_PASSWORD_MANAGER });
  const aliceKey = new TestAuthenticator({
    aaguid: YUBIKEY_5,
    backupEligible: false,
    transports: ['usb', 'nfc'],
  });
  await at(27 * DAY, () => ok(register(alicePhone, 'alice@acme.test', 'Alice Martin')));
  await at(12 * DAY, () => ok(register(aliceKey, 'alice@acme.test', 'Alice Martin (work)')));
  for (const [i, person] of people.entries()) {
    const device = new TestAuthenticator();
    devices.set(person, device);
    await at((25 - 3 * i) * DAY + 5 * HOUR, () => ok(register(device, person, person)));
  }
  for (let day = 24; day >= 1; day--) {
    const n = Math.floor(rand() * 4);
    for (let k = 0; k < n; k++) {
      const candidates = people.filter((_, i) => 25 - 3 * i > day);
      const person = candidates[Math.floor(rand() * candidates.length)];
      if (!person) continue;
      await at(day * DAY + Math.floor(rand() * 20) * HOUR, () =>
        ok(client.authenticate(devices.get(person)!, person)),
      );
    }
  }
  for (let hour = 22; hour >= 1; hour -= 1 + Math.floor(rand() * 3)) {
    await at(hour * HOUR + 7 * 60_000, () =>
      ok(client.authenticate(alicePhone, 'alice@acme.test')),
    );
    if (hour % 5 === 0)
      await at(hour * HOUR, () =>
        client.authenticate(alicePhone, 'alice@acme.test', { tamper: { tamperSignature: true } }),
      );
  }
  await at(3 * HOUR, () => ok(client.authenticate(aliceKey, 'alice@acme.test')));
  clock.shift = 0;
  return { client, alicePhone, aliceKey };
}

describeWithBrowser('admin console (Chromium)', () => {
  let server: TestServer;
  let browser: LaunchedBrowser;
  let context: BrowserContext;
  let page: Page;
  let seeded: Awaited<ReturnType<typeof seed>>;

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const adminGet = async (path: string) => {
    const r = await fetch(`${server.baseUrl}/v1/admin${path}`, {
      headers: bearer(server.adminToken),
    });
    expect(r.status, path).toBe(200);
    return (await r.json()) as any;
  };
  const visible = (l: Locator) => l.waitFor({ state: 'visible', timeout: 10_000 });
  const heading = (name: string | RegExp) =>
    page.getByRole('heading', { level: 1, name, exact: true });
  const shot = async (name: string, fullPage = true) => {
    if (!saveScreenshots) return;
    // Fonts and images settle before the picture is taken.
    await page.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: join(imagesDir, `console-${name}.png`), fullPage });
  };
  /** Every form control on the page must have a name a screen reader can announce. */
  const expectLabelledControls = async () => {
    const unlabelled = await page.evaluate(() =>
      [
        ...document.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(
          'input, select, textarea',
        ),
      ]
        .filter(
          (el) =>
            el.type !== 'hidden' &&
            !(el.labels && el.labels.length > 0) &&
            !el.getAttribute('aria-label') &&
            !el.getAttribute('aria-labelledby'),
        )
        .map((el) => el.outerHTML),
    );
    expect(unlabelled).toEqual([]);
  };

  beforeAll(async () => {
    buildConsoleIfStale();
    mkdirSync(imagesDir, { recursive: true });
    server = await startTestServer({
      origins: [ORIGIN],
      rpId: 'acme.test',
      clock,
      env: { PASSKEYD_RATE_LIMIT_MAX: '0' },
    });
    const renamed = await fetch(`${server.baseUrl}/v1/admin/apps/${server.appId}`, {
      method: 'PATCH',
      headers: { ...bearer(server.adminToken), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Acme Shop', rp_name: 'Acme' }),
    });
    expect(renamed.status).toBe(200);
    seeded = await seed(server);
    browser = await launchChromium();
    context = await browser.browser.newContext({
      viewport: { width: 1280, height: 800 },
      colorScheme: 'light',
      locale: 'en-GB',
      timezoneId: 'UTC',
    });
    page = await context.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('signs in with the admin token, in a session cookie the page cannot read', async () => {
    await page.goto(`${server.baseUrl}/console/`);
    await visible(heading('Sign in'));
    await expectLabelledControls();
    await shot('signin', false);

    // Keyboard only: the token field has focus on load, and Enter submits.
    await page.keyboard.type('not-the-admin-token-0123456789abcdef');
    await page.keyboard.press('Enter');
    await visible(page.getByRole('alert').filter({ hasText: 'not the admin token' }));

    await page.getByLabel('Admin token').fill(server.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await visible(heading('Apps'));

    const [cookie] = (await context.cookies()).filter((c) => c.name === 'passkeyd_console');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/', secure: false });
    expect(await page.evaluate(() => document.cookie)).not.toContain('passkeyd_console');
    // The token itself is not kept anywhere the page can reach.
    expect(
      await page.evaluate(
        () => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }),
      ),
    ).toBe('{}{}');
  });

  it('creates an app, shows its first API key once, and edits its settings', async () => {
    await page.getByRole('link', { name: 'New app' }).click();
    await visible(heading('New app'));
    await expectLabelledControls();
    await page.getByLabel('Name', { exact: true }).fill('Storefront');
    await page.getByLabel('RP ID').fill('storefront.example');
    await page
      .getByLabel('Allowed origins')
      .fill('https://storefront.example\nhttps://www.storefront.example');
    await page.getByRole('button', { name: 'Create app' }).click();

    await visible(heading('Storefront is ready'));
    const firstKey = (await page.getByTestId('new-secret').textContent())!;
    expect(firstKey).toMatch(/^pkd_[A-Za-z0-9_-]{8}_[A-Za-z0-9_-]{43}$/);
    await expect(page.getByText('It will not be shown again').isVisible()).resolves.toBe(true);

    const { apps } = await adminGet('/apps');
    const storefront = apps.find((a: any) => a.name === 'Storefront');
    expect(storefront).toMatchObject({
      rp_id: 'storefront.example',
      origins: ['https://storefront.example', 'https://www.storefront.example'],
    });
    const works = await fetch(`${server.baseUrl}/v1/apps/${storefront.id}`, {
      headers: bearer(firstKey),
    });
    expect(works.status).toBe(200);

    await page.getByRole('button', { name: 'I have stored it' }).click();
    await visible(heading('Storefront'));
    expect(await page.content()).not.toContain(firstKey);
    // The SDK snippets carry this app's id and this server's URL.
    const snippet = await page.getByRole('tabpanel').textContent();
    expect(snippet).toContain(
      `new PassageFlex('${storefront.id}', { baseUrl: '${server.baseUrl}' })`,
    );
    await page.getByRole('tab', { name: 'Node.js' }).click();
    expect(await page.getByRole('tabpanel').textContent()).toContain(`appId: '${storefront.id}'`);
    await page.keyboard.press('ArrowLeft');
    expect(await page.getByRole('tab', { name: 'Browser' }).getAttribute('aria-selected')).toBe(
      'true',
    );
    await expectLabelledControls();

    await page.getByLabel('User verification').selectOption('required');
    await page.getByLabel('Transaction lifetime (seconds)').fill('600');
    await page.getByLabel('WebAuthn hints').fill('client-device, hybrid');
    await page.getByLabel("Keep each user's last passkey").check();
    // A checkbox keeps its own size at the start of its label's line: the text-field rule
    // (width 100%, 2.5rem high) once stretched each into a wide box on a line of its own.
    for (const checkbox of await page.locator('input[type="checkbox"]').all()) {
      expect((await checkbox.boundingBox())!.width).toBeLessThan(24);
    }
    await page.getByRole('button', { name: 'Save changes' }).click();
    await visible(page.getByText(/^Saved at /));
    expect((await adminGet(`/apps/${storefront.id}`)).app).toMatchObject({
      user_verification: 'required',
      transaction_ttl_seconds: 600,
      hints: ['client-device', 'hybrid'],
      prevent_last_passkey_removal: true,
    });
    // The files to host on the RP ID (docs/mobile.md), filled in with what the operator types.
    const aasa = page.getByLabel(
      'https://storefront.example/.well-known/apple-app-site-association',
      { exact: true },
    );
    await visible(aasa);
    await page.getByLabel('Apple app ID').fill('ABCDE12345.example.storefront');
    await page.getByLabel('Apple app ID').press('Tab');
    await expect.poll(() => aasa.textContent()).toContain('ABCDE12345.example.storefront');
    // Typing in one field while the other's files are still loading: the page re-renders when
    // they arrive, and that must not wipe what is half-typed (a CI run once lost the Apple ID
    // this way). The answer is held until the second field is typed, so the order is fixed.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await page.route('**/well-known?*android_package=com.example.storefront*', async (route) => {
      await held;
      await route.continue();
    });
    await page.getByLabel('Android package name').fill('com.example.storefront');
    await page.getByLabel('Android package name').press('Tab');
    await page.getByLabel('Apple app ID').fill('FGHIJ67890.example.storefront');
    const answered = page.waitForResponse((r) =>
      /android_package=com\.example\.storefront/.test(r.url()),
    );
    release();
    await answered;
    // The answer's render (two frames: the state update, then Preact's commit).
    await page.evaluate(
      () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))),
    );
    expect(await page.getByLabel('Apple app ID').inputValue()).toBe(
      'FGHIJ67890.example.storefront',
    );
    await page.getByLabel('Apple app ID').press('Tab');
    await expect.poll(() => aasa.textContent()).toContain('FGHIJ67890.example.storefront');
    await page.unroute('**/well-known?*android_package=com.example.storefront*');
    await page.getByRole('tab', { name: 'Browser' }).click();
    await shot('app');

    await page.getByRole('link', { name: 'All apps' }).click();
    await visible(heading('Apps'));
    await visible(page.getByRole('link', { name: 'Storefront' }).first());
    await shot('apps');
  });

  it('creates an API key shown once with a copy button, and revokes a key', async () => {
    await page.getByRole('link', { name: 'Storefront' }).first().click();
    await page.getByRole('link', { name: 'API keys', exact: true }).click();
    await visible(heading('API keys'));
    await expectLabelledControls();
    await page.getByLabel('Name of the new key').fill('CI deploy');
    await page.getByRole('button', { name: 'Create API key' }).click();

    const secretBox = page.getByTestId('new-secret');
    await visible(secretBox);
    const secret = (await secretBox.textContent())!;
    expect(secret).toMatch(/^pkd_/);
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.getByRole('button', { name: 'Copy API key' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await visible(page.getByText('Copied', { exact: true }));

    const appId = new URL(page.url()).pathname.split('/')[3]!;
    const keysNow = (await adminGet(`/apps/${appId}/keys`)).keys;
    expect(keysNow.map((k: any) => k.name).sort()).toEqual(['CI deploy', 'default']);
    expect(JSON.stringify(keysNow)).not.toContain(secret.slice(13));
    expect(
      (await fetch(`${server.baseUrl}/v1/apps/${appId}`, { headers: bearer(secret) })).status,
    ).toBe(200);
    await shot('keys');

    await page.getByRole('button', { name: 'I have stored it' }).click();
    expect(await page.content()).not.toContain(secret);
    await page.reload();
    await visible(heading('API keys'));
    await visible(page.getByRole('row', { name: /CI deploy/ }));
    expect(await page.content()).not.toContain(secret);

    // Revoke the app's first key; the new one keeps working.
    const first = keysNow.find((k: any) => k.name === 'default');
    await page.getByRole('button', { name: `Revoke API key default (${first.prefix})` }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke this API key?' });
    await visible(dialog);
    await dialog.getByRole('button', { name: 'Revoke key' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await visible(page.getByRole('row', { name: /default/ }).getByText('Revoked'));
    expect(
      (await adminGet(`/apps/${appId}/keys`)).keys.find((k: any) => k.id === first.id).revoked_at,
    ).not.toBeNull();
    expect(
      (await fetch(`${server.baseUrl}/v1/apps/${appId}`, { headers: bearer(secret) })).status,
    ).toBe(200);
  });

  it('finds a user and shows their passkeys', async () => {
    await page.getByRole('link', { name: 'Acme Shop' }).first().click();
    await page.getByRole('link', { name: 'Users', exact: true }).click();
    await visible(heading('Users'));
    await visible(page.getByRole('link', { name: 'alice@acme.test' }));
    await expectLabelledControls();
    await shot('users');

    await page.getByLabel('External id contains').fill('ALICE');
    await page.keyboard.press('Enter');
    await page.waitForURL(/search=ALICE/);
    await visible(page.getByText('1–1 of 1 users'));
    await page.getByRole('link', { name: 'alice@acme.test' }).click();
    await visible(heading('alice@acme.test'));

    const passkeys = page.getByRole('region', { name: /Passkeys/ }).getByRole('listitem');
    expect(await passkeys.count()).toBe(2);
    const phone = passkeys.filter({ hasText: 'Google Password Manager' });
    await visible(phone.getByText('Synced'));
    const key = passkeys.filter({ hasText: 'YubiKey 5 Series' });
    await visible(key.getByText('Device-bound'));
    await visible(key.getByText('1 time', { exact: true }));
    await shot('user');
  });

  it('renames and revokes a passkey; the revoked passkey can no longer sign in', async () => {
    const userId = new URL(page.url()).pathname.split('/').pop()!;
    const devicesOf = async () =>
      (await seeded.client.backend<{ devices: any[] }>('GET', `/users/${userId}/devices`)).body
        .devices;
    const before = await devicesOf();
    const phone = before.find((d) => d.authenticator_name === 'Google Password Manager');
    const key = before.find((d) => d.authenticator_name === 'YubiKey 5 Series');

    // Each passkey is a list item named by its authenticator.
    const phoneRow = page.getByRole('listitem').filter({ hasText: 'Google Password Manager' });
    const keyRow = page.getByRole('listitem').filter({ hasText: 'YubiKey 5 Series' });
    await phoneRow.getByRole('button', { name: `Rename passkey ${phone.friendly_name}` }).click();
    const input = page.getByLabel(`New name for the passkey ${phone.friendly_name}`);
    await visible(input);
    await expectLabelledControls();
    await input.fill('Alice’s Pixel');
    await page.keyboard.press('Enter');
    await visible(page.getByRole('heading', { level: 3, name: 'Alice’s Pixel' }));
    expect((await devicesOf()).find((d) => d.id === phone.id).friendly_name).toBe('Alice’s Pixel');

    await keyRow.getByRole('button', { name: /^Revoke passkey/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke this passkey?' });
    await visible(dialog);
    // Escape cancels; nothing is revoked.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await devicesOf()).toHaveLength(2);
    await keyRow.getByRole('button', { name: /^Revoke passkey/ }).click();
    await dialog.getByRole('button', { name: 'Revoke passkey' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await keyRow.waitFor({ state: 'detached' });

    expect((await devicesOf()).map((d) => d.id)).toEqual([phone.id]);
    expect(key).toBeDefined();
    const signIn = await seeded.client.authenticate(seeded.aliceKey);
    expect(signIn).toMatchObject({ status: 401, body: { code: 'credential_not_found' } });
    expect((await seeded.client.authenticate(seeded.alicePhone, 'alice@acme.test')).status).toBe(
      200,
    );
  });

  it("says why a user's last passkey is kept under the app's guard, and offers to force it", async () => {
    const setGuard = async (on: boolean) => {
      const r = await fetch(`${server.baseUrl}/v1/admin/apps/${server.appId}`, {
        method: 'PATCH',
        headers: { ...bearer(server.adminToken), 'content-type': 'application/json' },
        body: JSON.stringify({ prevent_last_passkey_removal: on }),
      });
      expect(r.status).toBe(200);
    };
    await setGuard(true);
    try {
      const userId = new URL(page.url()).pathname.split('/').pop()!;
      const phoneRow = page.getByRole('listitem').filter({ hasText: 'Google Password Manager' });
      await phoneRow.getByRole('button', { name: /^Revoke passkey/ }).click();
      const dialog = page.getByRole('dialog', { name: 'Revoke this passkey?' });
      await dialog.getByRole('button', { name: 'Revoke passkey' }).click();
      // The server's reason, and the same button now forces it.
      await visible(dialog.getByText(/last passkey and the app prevents removing it/));
      await visible(dialog.locator('#last-passkey-warning'));
      await visible(dialog.getByRole('button', { name: 'Revoke the last passkey anyway' }));
      // Cancelled: the passkey stays (later tests sign in with it).
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      const devices = await seeded.client.backend<{ devices: unknown[] }>(
        'GET',
        `/users/${userId}/devices`,
      );
      expect(devices.body.devices).toHaveLength(1);
      // Reopened, the dialog asks plainly again.
      await phoneRow.getByRole('button', { name: /^Revoke passkey/ }).click();
      await visible(dialog.getByRole('button', { name: 'Revoke passkey' }));
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
    } finally {
      await setGuard(false);
    }
  });

  it('lists the events with their activity chart, filtered by type and user', async () => {
    await page.getByRole('link', { name: 'Events', exact: true }).click();
    await visible(heading('Events'));
    await visible(page.getByRole('img', { name: /^Last 24 hours, per hour: / }));
    await expectLabelledControls();
    const chart = (await page
      .getByRole('img', { name: /^Last 24 hours/ })
      .getAttribute('aria-label'))!;
    expect(chart).toMatch(/\d+ sign-ins?, \d+ failed sign-ins?/);
    await page.getByRole('button', { name: '30 days' }).click();
    await visible(page.getByRole('img', { name: /^Last 30 days, per day: 9 registrations, / }));

    await page.getByLabel('Type', { exact: true }).selectOption('passkey_revoke');
    await page.getByLabel('User (external id)').fill('alice@acme.test');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/type=passkey_revoke/);
    const rows = page.getByRole('table', { name: 'Events', exact: true }).getByRole('row');
    // The unfiltered table stays on screen while the filtered one loads, and it has revocation
    // rows too: wait for the filtered content itself, the header and the one revocation.
    await expect
      .poll(async () => (await rows.allInnerTexts()).slice(1), { timeout: 10_000 })
      .toEqual([expect.stringContaining('Passkey revoked')]);
    expect(await rows.nth(1).innerText()).toContain('alice@acme.test');

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await visible(page.getByText(/of \d+ events/));
    await page.getByRole('button', { name: '24 hours' }).click();
    await shot('events');
  });

  it('deletes an app once its name is typed; its key is refused and it leaves the list', async () => {
    const doomed = await server.createApp({
      name: 'Retired shop',
      rpId: 'retired.example',
      origins: ['https://retired.example'],
    });
    await page.reload();
    await page.getByRole('link', { name: 'Retired shop' }).first().click();
    await visible(heading('Retired shop'));
    await page.getByRole('button', { name: 'Delete app…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete Retired shop?' });
    await visible(dialog);
    const confirm = dialog.getByRole('button', { name: 'Delete app' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel(/to confirm/).fill('Retired sho');
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel(/to confirm/).fill('Retired shop');
    await expectLabelledControls();
    await confirm.click();

    await visible(heading('Apps'));
    await expect.poll(() => page.getByRole('link', { name: 'Retired shop' }).count()).toBe(0);
    const gone = await fetch(`${server.baseUrl}/v1/admin/apps/${doomed.appId}`, {
      headers: bearer(server.adminToken),
    });
    expect(gone.status).toBe(404);
    const refused = await fetch(`${server.baseUrl}/v1/apps/${doomed.appId}`, {
      headers: bearer(doomed.apiKey),
    });
    expect(refused.status).toBe(401);
    // The other apps are still there.
    await visible(page.getByRole('link', { name: 'Storefront' }).first());
  });

  it('signs out: the session is deleted on the server and the old cookie is refused', async () => {
    const [cookie] = (await context.cookies()).filter((c) => c.name === 'passkeyd_console');
    expect(cookie).toBeDefined();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await visible(heading('Sign in'));
    await visible(page.getByText('You have signed out.'));
    expect((await context.cookies()).filter((c) => c.name === 'passkeyd_console')).toEqual([]);

    const sessions = await server.server.storage.db
      .withTables<{ console_sessions: { id_hash: string } }>()
      .selectFrom('console_sessions')
      .select('id_hash')
      .execute();
    expect(sessions).toEqual([]);
    const replay = await fetch(`${server.baseUrl}/v1/admin/apps`, {
      headers: { cookie: `passkeyd_console=${cookie!.value}` },
    });
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ code: 'console_session_expired' });

    // A deep link now lands on the sign-in form, and signing in returns to it.
    await page.goto(`${server.baseUrl}/console/apps/${server.appId}/users`);
    await visible(heading('Sign in'));
    await page.getByLabel('Admin token').fill(server.adminToken);
    await page.keyboard.press('Enter');
    await visible(heading('Users'));
  });
});
