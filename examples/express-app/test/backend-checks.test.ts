import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
