import { PassageFlex } from '@passkeyd/node';
import { expect, it } from 'vitest';
import { describeWithBrowser } from '../../../e2e/support/browser.js';
import { addVirtualAuthenticator } from '../../../e2e/support/virtual-authenticator.js';
import {
  SYNCED,
  newEmail,
  pickPasskeyFromAutofill,
  screenshot,
  useBrowserSuite,
} from './support/browser-suite.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describeWithBrowser('Example app: the Passkey Flex guide, clicked through in Chromium', () => {
  const suite = useBrowserSuite();
  const { url, passkeyNames, signOut } = suite;

  it('signs up, signs in with a transaction and by autofill, adds a passkey from a second device, revokes the first', async () => {
    const email = newEmail('jane');
    const laptop = await suite.openPage();
    const laptopAuthenticator = await addVirtualAuthenticator(laptop);

    // Sign up: "Create passkey" appears because canRegisterPasskey() resolved true.
    await laptop.goto(url('/sign-up'));
    await expect.poll(() => laptop.isVisible('#create-passkey')).toBe(true);
    await laptop.fill('#email', email);
    await screenshot(laptop, 'sign-up');
    await laptop.click('#create-passkey');
    await laptop.waitForURL(url('/account'));
    expect(suite.ceremonies.map((c) => c.path)).toEqual(['register/transactions/webauthn/finish']);

    // The app's own user and session: a UUID as passkeyd external ID, a signed httpOnly cookie.
    const externalId = suite.externalIdOf(email);
    expect(externalId).toMatch(UUID_V4);
    const [session] = (await suite.context.cookies()).filter((c) => c.name === 'session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    expect(decodeURIComponent(session!.value), 'signed by cookie-parser').toMatch(/^s:/);

    // Account page: that user's passkey from passkeyd, named after the email, device-bound, with
    // the authenticator name passkeyd derived from the AAGUID (none, for an unknown one).
    const passage = new PassageFlex({
      appId: suite.stack.passkeyd.appId,
      apiKey: suite.stack.passkeyd.apiKey,
      baseUrl: suite.stack.passkeyd.baseUrl,
    });
    const [device] = await passage.getDevices(externalId);
    expect(await laptop.textContent('#account-email')).toBe(email);
    expect(await passkeyNames(laptop)).toEqual([email]);
    const first = laptop.locator('.passkey').first();
    expect(await first.locator('.authenticator').textContent()).toBe(
      device!.authenticatorName ?? 'Unknown authenticator',
    );
    expect(await first.locator('.storage').textContent()).toBe(
      'Device-bound (only on this device)',
    );
    expect(await first.locator('.created time').getAttribute('datetime')).toBe(
      device!.createdAt.toISOString(),
    );
    expect(await first.locator('.last-used').textContent()).toBe('Never');
    expect(await first.locator('.revoke').isDisabled(), 'the only passkey cannot be revoked').toBe(
      true,
    );
    await screenshot(laptop, 'account');

    // Sign out, then sign in with the email: an authenticate transaction for that user.
    await signOut(laptop);
    suite.ceremonies = [];
    await laptop.fill('#email', email);
    await screenshot(laptop, 'sign-in');
    await laptop.click('#sign-in');
    await laptop.waitForURL(url('/account'));
    expect(suite.ceremonies).toEqual([
      {
        path: 'authenticate/transactions/webauthn/finish',
        body: expect.objectContaining({ transaction_id: expect.any(String) }),
      },
    ]);
    expect(await laptop.locator('.passkey .last-used time').count(), 'last used is set').toBe(1);

    // Sign out, then sign in through autofill: no transaction; passkeyd finds the user by the passkey.
    await signOut(laptop);
    suite.ceremonies = [];
    await pickPasskeyFromAutofill(laptop);
    await laptop.waitForURL(url('/account'));
    expect(suite.ceremonies).toHaveLength(1);
    expect(suite.ceremonies[0]!.body).not.toHaveProperty('transaction_id');

    // A second device (same browser session, its own authenticator) adds a passkey.
    const phone = await suite.openPage();
    const phoneAuthenticator = await addVirtualAuthenticator(phone, SYNCED);
    await phone.goto(url('/account'));
    await expect.poll(() => phone.isVisible('#add-passkey')).toBe(true);
    await phone.click('#add-passkey');
    await expect.poll(() => passkeyNames(phone)).toEqual([email, email]);
    const second = phone.locator('.passkey').nth(1);
    expect(await second.locator('.storage').textContent()).toBe(
      'Synced (backed up to your account)',
    );

    // Rename it, and revoke the first one.
    await second.locator('input[name="name"]').fill('Phone');
    await second.locator('form.rename button').click();
    await expect.poll(() => suite.message(phone)).toBe('Renamed to “Phone”.');
    await phone.reload();
    expect(await passkeyNames(phone)).toEqual([email, 'Phone']);
    await screenshot(phone, 'account-two-passkeys');
    phone.once('dialog', (dialog) => void dialog.accept());
    await phone.locator('.passkey').first().locator('.revoke').click();
    await expect.poll(() => passkeyNames(phone)).toEqual(['Phone']);
    await signOut(phone);

    // The laptop still holds the revoked passkey; signing in with it fails with a clear message.
    expect(await laptopAuthenticator.credentials()).toHaveLength(1);
    await laptop.goto(url('/sign-in'));
    await laptop.click('#sign-in'); // no email: any passkey this device has for the site
    await expect
      .poll(() => suite.message(laptop))
      .toBe(
        'This passkey is not registered here any more (it may have been revoked). Sign in with another passkey.',
      );
    expect(laptop.url()).toBe(url('/sign-in'));
    await screenshot(laptop, 'sign-in-revoked-passkey');
    // @passkeyd/js told Chromium the passkey is unknown, and the authenticator forgot it.
    expect(await laptopAuthenticator.credentials()).toHaveLength(0);

    // The phone's passkey works.
    await phone.fill('#email', email);
    await phone.click('#sign-in');
    await phone.waitForURL(url('/account'));
    expect(await passkeyNames(phone)).toEqual(['Phone']);
    expect(await phoneAuthenticator.credentials()).toHaveLength(1);
  }, 120_000);
});
