import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppClient } from './support/app-client.js';
import { startStack, type Stack } from './support/start-stack.js';

/**
 * Issue 12, item 13: the account page shows the user's email and passkeys; on a shared computer
 * the browser's back button or cache must not show it to the next person after sign-out.
 */
describe('Example app account page', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('is sent with Cache-Control: no-store', async () => {
    const client = new AppClient(stack);
    const { transactionId } = (
      await client.post('/passkey/register', {
        email: `user-${randomUUID().slice(0, 8)}@example.com`,
      })
    ).json() as { transactionId: string };
    const nonce = await client.registerPasskey(new TestAuthenticator(), transactionId);
    expect((await client.post('/passkey/register/verify', { nonce })).status).toBe(200);

    const cookie = [...client.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const page = await fetch(`${stack.example.url}/account`, {
      headers: { cookie },
      redirect: 'manual',
    });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Your account');
    expect(page.headers.get('cache-control')).toBe('no-store');
  });
});
