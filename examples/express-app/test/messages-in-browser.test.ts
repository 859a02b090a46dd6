import { expect, it } from 'vitest';
import { describeWithBrowser } from '../../../e2e/support/browser.js';
import { addVirtualAuthenticator } from '../../../e2e/support/virtual-authenticator.js';
import { newEmail, screenshot, useBrowserSuite } from './support/browser-suite.js';

describeWithBrowser('Example app: what users are told when a passkey step fails', () => {
  const suite = useBrowserSuite();
  const { url, message, passkeyNames, signUp, signOut } = suite;

  it('says creating the passkey was cancelled, and a retry with the same email works', async () => {
    const page = await suite.openPage();
    const authenticator = await addVirtualAuthenticator(page);
    // The virtual user declines verification: Chromium answers NotAllowedError, as when a user closes the prompt.
    await authenticator.setUserVerified(false);
    const email = newEmail();
    await page.goto(url('/sign-up'));
    await page.fill('#email', email);
    await page.click('#create-passkey');
    await expect
      .poll(() => message(page))
      .toBe('Passkey creation was cancelled. Nothing was saved; try again when you are ready.');
    expect(await page.isEnabled('#create-passkey')).toBe(true);
    await screenshot(page, 'sign-up-cancelled');

    await authenticator.setUserVerified(true);
    await page.click('#create-passkey');
    await page.waitForURL(url('/account'));
    expect(await passkeyNames(page)).toEqual([email]);
  });

  it('turns away a second sign-up for an email that already has an account', async () => {
    const email = newEmail();
    const first = await suite.openPage();
    await addVirtualAuthenticator(first);
    await signUp(first, email);

    const someoneElse = await (await suite.browser.newContext()).newPage();
    try {
      await addVirtualAuthenticator(someoneElse);
      await someoneElse.goto(url('/sign-up'));
      await someoneElse.fill('#email', email);
      await someoneElse.click('#create-passkey');
      await expect
        .poll(() => message(someoneElse))
        .toBe('An account with this email already exists. Sign in with your passkey instead.');
      expect(someoneElse.url()).toBe(url('/sign-up'));
    } finally {
      await someoneElse.context().close();
    }
  });

  it('says this device already has a passkey when adding another from the same authenticator', async () => {
    const page = await suite.openPage();
    const authenticator = await addVirtualAuthenticator(page);
    await signUp(page, newEmail());
    await expect.poll(() => page.isVisible('#add-passkey')).toBe(true);
    await page.click('#add-passkey');
    await expect
      .poll(() => message(page))
      .toBe(
        'This device already has a passkey for this account. Use it to sign in, or add a passkey from another device.',
      );
    expect(await authenticator.credentials()).toHaveLength(1);
    expect(await page.locator('.passkey').count()).toBe(1);
  });

  it('says the request expired when the register transaction outlived its lifetime, and a retry works', async () => {
    const page = await suite.openPage();
    await addVirtualAuthenticator(page);
    // Between the app creating the transaction and the browser using it, six minutes pass for
    // passkeyd (transactions live five).
    await page.route(url('/passkey/register'), async (route) => {
      const response = await route.fetch();
      suite.stack.clock.offsetMs = 6 * 60_000;
      await route.fulfill({ response });
    });
    await page.goto(url('/sign-up'));
    await page.fill('#email', newEmail());
    await page.click('#create-passkey');
    await expect
      .poll(() => message(page))
      .toBe('This passkey request expired before it was finished. Please try again.');

    await page.unroute(url('/passkey/register'));
    suite.stack.clock.offsetMs = 0;
    await page.click('#create-passkey');
    await page.waitForURL(url('/account'));
  });

  it('lets a user whose sign-up confirmation failed after the passkey was stored sign in with it', async () => {
    const page = await suite.openPage();
    const authenticator = await addVirtualAuthenticator(page);
    const email = newEmail();
    // The passkey is stored, then six minutes pass for passkeyd before the page posts the nonce
    // (nonces live five): the app cannot confirm the sign-up.
    await page.route(url('/passkey/register/verify'), async (route) => {
      suite.stack.clock.offsetMs = 6 * 60_000;
      await route.continue();
    });
    await page.goto(url('/sign-up'));
    await page.fill('#email', email);
    await page.click('#create-passkey');
    await expect
      .poll(() => message(page))
      .toBe(
        'Your passkey worked, but its confirmation expired or was already used. Please try again.',
      );
    await page.unroute(url('/passkey/register/verify'));
    suite.stack.clock.offsetMs = 0;

    // A retry is refused by the authenticator, which already holds a passkey for the user...
    await page.click('#create-passkey');
    await expect
      .poll(() => message(page))
      .toBe(
        'This device already has a passkey for this account. Use it to sign in, or add a passkey from another device.',
      );
    // ...and, as the message says, that passkey signs in, which finishes the sign-up.
    await page.goto(url('/sign-in'));
    await page.fill('#email', email);
    await page.click('#sign-in');
    await page.waitForURL(url('/account'));
    expect(await passkeyNames(page)).toEqual([email]);
    expect(await authenticator.credentials()).toHaveLength(1);
  });

  it('says so when sign-in is cancelled, and when no account uses the email', async () => {
    const email = newEmail();
    const page = await suite.openPage();
    const authenticator = await addVirtualAuthenticator(page);
    await signUp(page, email);
    await signOut(page);

    await page.fill('#email', `nobody-${email}`);
    await page.click('#sign-in');
    await expect
      .poll(() => message(page))
      .toBe('No account uses this email. Check it, or create an account.');

    await authenticator.setUserVerified(false);
    await page.fill('#email', email);
    await page.click('#sign-in');
    await expect
      .poll(() => message(page))
      .toBe('Sign-in was cancelled, or this device has no passkey for this account.');
    expect(page.url()).toBe(url('/sign-in'));
  });
});
