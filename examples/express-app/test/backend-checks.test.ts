import { TestAuthenticator } from '@passkeyd/test-authenticator';
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AppClient } from './support/app-client.js';
import { startStack, type Stack } from './support/start-stack.js';

/**
 * The example backend's own checks, around the guide's calls: whose nonce starts which session,
 * what reaches the browser when something fails. The pages themselves are covered in Chromium
 * (guide-in-browser.test.ts).
 */

const email = () => `user-${randomUUID().slice(0, 8)}@example.com`;

/** A sign-up finished the way the page finishes it; returns the client (now signed in) and its device. */
async function signUp(stack: Stack, address = email()) {
  const client = new AppClient(stack);
  const device = new TestAuthenticator();
  const { transactionId } = (await client.post('/passkey/register', { email: address })).json() as {
    transactionId: string;
  };
  const nonce = await client.registerPasskey(device, transactionId);
  const verified = await client.post('/passkey/register/verify', { nonce });
  expect(verified.status).toBe(200);
  return { client, device };
}

describe('Example app backend', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('starts no session when the nonce proves a different user than the one signing up', async () => {
    const victim = new AppClient(stack);
    expect((await victim.post('/passkey/register', { email: email() })).status).toBe(200);
    // A valid, unused nonce, but for another user's sign-up.
    const other = new AppClient(stack);
    const { transactionId } = (
      await other.post('/passkey/register', { email: email() })
    ).json() as { transactionId: string };
    const othersNonce = await other.registerPasskey(new TestAuthenticator(), transactionId);

    const response = await victim.post('/passkey/register/verify', { nonce: othersNonce });
    expect(response.status).toBe(403);
    expect(response.json()).toMatchObject({ error: { code: 'passkey_for_other_account' } });
    expect(victim.cookies.has('session')).toBe(false);
  });

  it('signs nobody in with a nonce that was already used', async () => {
    const { device } = await signUp(stack);
    const nonce = await new AppClient(stack).signInWithAnyPasskey(device);
    const first = new AppClient(stack);
    expect((await first.post('/passkey/login', { nonce })).status).toBe(200);
    expect(first.cookies.has('session')).toBe(true);

    const replay = new AppClient(stack);
    const response = await replay.post('/passkey/login', { nonce });
    expect(response.status).toBe(401);
    expect(response.json()).toMatchObject({ error: { code: 'confirmation_failed' } });
    expect(replay.cookies.has('session')).toBe(false);
  });

  it('ends the session on sign-out: the old cookie no longer opens the account', async () => {
    const { client } = await signUp(stack);
    const stolen = new Map(client.cookies);
    expect((await client.post('/sign-out', {})).json()).toEqual({ redirect: '/sign-in' });
    const replay = new AppClient(stack);
    for (const [name, value] of stolen) replay.cookies.set(name, value);
    const response = await replay.post('/account/passkeys', {});
    expect(response.status).toBe(401);
    expect(response.json()).toMatchObject({ error: { code: 'sign_in_required' } });
  });

  it('ignores a session cookie whose signature does not match', async () => {
    const { client } = await signUp(stack);
    const forged = new AppClient(stack);
    forged.cookies.set(
      'session',
      client.cookies.get('session')!.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
    );
    expect((await forged.post('/account/passkeys', {})).status).toBe(401);
  });

  it('refuses state-changing requests sent from another site', async () => {
    const client = new AppClient(stack);
    const response = await client.post(
      '/passkey/register',
      { email: email() },
      { headers: { Origin: 'https://evil.example' } },
    );
    expect(response.status).toBe(403);
    expect(response.json()).toMatchObject({ error: { code: 'cross_origin_request' } });
  });

  it('answers a malformed body with a plain message and no stack trace', async () => {
    const client = new AppClient(stack);
    const response = await client.post('/passkey/register', undefined, { rawBody: '{"email":' });
    expect(response.status).toBe(400);
    expect(response.json()).toEqual({
      error: {
        code: 'bad_request',
        message: 'The request was not understood. Reload the page and try again.',
      },
    });
    expect(response.text).not.toMatch(/\bat \S+:\d+|SyntaxError|node_modules/);
  });

  it('answers an unknown page with a plain HTML page and no stack trace', async () => {
    const response = await fetch(`${stack.example.url}/nope`, { headers: { Accept: 'text/html' } });
    expect(response.status).toBe(404);
    const body = await response.text();
    expect(body).toContain('There is nothing at this address.');
    expect(body).not.toMatch(/\bat \S+:\d+|Error:|node_modules/);
  });
});

describe('Example app backend: an unfinished sign-up belongs to the browser that started it', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack();
  });

  afterAll(async () => {
    await stack?.close();
  });

  afterEach(() => {
    stack.clock.offsetMs = 0;
    stack.exampleClock.offsetMs = 0;
  });

  const externalIdOf = (address: string) => {
    const db = new Database(stack.exampleDatabasePath, { readonly: true });
    try {
      return (
        db.prepare('SELECT passkey_external_id AS id FROM users WHERE email = ?').get(address) as
          { id: string } | undefined
      )?.id;
    } finally {
      db.close();
    }
  };

  const startSignUp = async (client: AppClient, address: string) => {
    const response = await client.post('/passkey/register', { email: address });
    expect(response.status).toBe(200);
    return (response.json() as { transactionId: string }).transactionId;
  };

  it('refuses another browser the victim’s unfinished sign-up, so the takeover of issue 12 fails', async () => {
    const address = email();
    const victim = new AppClient(stack);
    const victimTx = await startSignUp(victim, address);

    // The attacker sends the victim's email without the victim's pending_sign_up cookie.
    const attacker = new AppClient(stack);
    const refused = await attacker.post('/passkey/register', { email: address });
    expect(refused.status).toBe(409);
    expect(refused.json()).toEqual({
      error: {
        code: 'sign_up_in_progress',
        message:
          'A sign-up for this email was started in another browser. Finish it there, or try again in 15 minutes.',
      },
    });
    expect(refused.json()).not.toHaveProperty('transactionId');
    expect(attacker.cookies.has('pending_sign_up')).toBe(false);

    // The victim's sign-up goes on undisturbed.
    const nonce = await victim.registerPasskey(new TestAuthenticator(), victimTx);
    expect((await victim.post('/passkey/register/verify', { nonce })).status).toBe(200);
  });

  it('ends a register transaction kept from earlier once the sign-up asks for a new one', async () => {
    const client = new AppClient(stack);
    const address = email();
    const kept = await startSignUp(client, address);
    const fresh = await startSignUp(client, address);

    await expect(client.registerPasskey(new TestAuthenticator(), kept)).rejects.toThrow(
      /HTTP 410 .*transaction_consumed/,
    );
    const nonce = await client.registerPasskey(new TestAuthenticator(), fresh);
    expect((await client.post('/passkey/register/verify', { nonce })).status).toBe(200);
  });

  it('signs nobody in with a register nonce posted to /passkey/login', async () => {
    // A finished account adds a passkey; its register nonce is posted to sign-in elsewhere.
    const { client } = await signUp(stack);
    const { transactionId } = (await client.post('/account/passkeys', {})).json() as {
      transactionId: string;
    };
    const nonce = await client.registerPasskey(new TestAuthenticator(), transactionId);

    const elsewhere = new AppClient(stack);
    const response = await elsewhere.post('/passkey/login', { nonce });
    expect(response.status).toBe(401);
    expect(response.json()).toMatchObject({ error: { code: 'not_a_sign_in' } });
    expect(elsewhere.cookies.has('session')).toBe(false);
  });

  it('lets a user whose confirmation failed after the passkey was stored sign in, which finishes the sign-up', async () => {
    const address = email();
    const client = new AppClient(stack);
    const device = new TestAuthenticator();
    const nonce = await client.registerPasskey(device, await startSignUp(client, address));
    // The nonce outlives its five minutes before the page posts it (a slow network, a sleep).
    stack.clock.offsetMs = 6 * 60_000;
    const late = await client.post('/passkey/register/verify', { nonce });
    expect(late.status).toBe(401);
    expect(late.json()).toMatchObject({ error: { code: 'confirmation_failed' } });
    stack.clock.offsetMs = 0;

    // Retrying from the same browser still gets a transaction...
    await startSignUp(client, address);
    // ...and the passkey already stored signs in, by email or by autofill.
    expect((await client.post('/passkey/authenticate', { email: address })).status).toBe(200);
    const login = await client.post('/passkey/login', {
      nonce: await client.signInWithAnyPasskey(device),
    });
    expect(login.status).toBe(200);
    expect(client.cookies.has('session')).toBe(true);
    expect((await client.post('/account/passkeys', {})).status).toBe(200);
    // The account is now finished: nobody can start its sign-up again.
    const again = await new AppClient(stack).post('/passkey/register', { email: address });
    expect(again.json()).toMatchObject({ error: { code: 'email_taken' } });
  });

  it('starts an abandoned sign-up over under a new external ID, so a transaction kept from it adds nothing', async () => {
    const address = email();
    const first = new AppClient(stack);
    const kept = await startSignUp(first, address);
    const oldExternalId = externalIdOf(address);

    stack.exampleClock.offsetMs = 16 * 60_000;
    const later = new AppClient(stack);
    const fresh = await startSignUp(later, address);

    expect(externalIdOf(address)).not.toBe(oldExternalId);
    await expect(first.registerPasskey(new TestAuthenticator(), kept)).rejects.toThrow(/HTTP 4/);
    const nonce = await later.registerPasskey(new TestAuthenticator(), fresh);
    expect((await later.post('/passkey/register/verify', { nonce })).status).toBe(200);
  });

  it('keeps an abandoned sign-up that stored a passkey for whoever holds that passkey', async () => {
    const address = email();
    const first = new AppClient(stack);
    const device = new TestAuthenticator();
    await first.registerPasskey(device, await startSignUp(first, address));

    stack.exampleClock.offsetMs = 16 * 60_000;
    const stranger = await new AppClient(stack).post('/passkey/register', { email: address });
    expect(stranger.status).toBe(409);
    expect(stranger.json()).toMatchObject({ error: { code: 'email_taken' } });

    const owner = new AppClient(stack);
    const login = await owner.post('/passkey/login', {
      nonce: await owner.signInWithAnyPasskey(device),
    });
    expect(login.status).toBe(200);
  });

  it('still says no account uses the email of an unfinished sign-up without a passkey', async () => {
    const address = email();
    await startSignUp(new AppClient(stack), address);
    const response = await new AppClient(stack).post('/passkey/authenticate', { email: address });
    expect(response.status).toBe(404);
    expect(response.json()).toMatchObject({ error: { code: 'unknown_email' } });
  });
});

describe('Example app backend, with passkeyd unreachable', () => {
  let stack: Stack;

  beforeAll(async () => {
    // Port 9 (discard) on loopback: nothing listens there, so every call is refused.
    stack = await startStack({ passkeydUrl: 'http://127.0.0.1:9' });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('tells the user the passkey service is unavailable and logs the details for the operator', async () => {
    const response = await new AppClient(stack).post('/passkey/register', { email: email() });
    expect(response.status).toBe(503);
    expect(response.json()).toEqual({
      error: {
        code: 'passkey_service_unavailable',
        message: 'The passkey service cannot be reached right now. Please try again in a moment.',
      },
    });
    expect(response.text).not.toMatch(/ECONNREFUSED|\bat \S+:\d+|127\.0\.0\.1/);
    expect(stack.logged).toHaveLength(1);
    expect(stack.logged[0]).toMatchObject({
      message: 'POST /passkey/register failed',
      err: { errorCode: 'network_error' },
    });
  });
});
