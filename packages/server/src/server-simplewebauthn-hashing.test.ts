import { webcrypto } from 'node:crypto';
import { afterAll, expect, it, vi } from 'vitest';
import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { useNodeHashingInSimpleWebAuthn } from './domain/ceremonies/simplewebauthn-hashing.js';
import { CeremonyClient, startTestServer, type TestServer } from './testing/index.js';

/** startServer hands SimpleWebAuthn node:crypto's hashes (domain/ceremonies/simplewebauthn-hashing.ts). */

const ORIGIN = 'http://localhost:3000';
let server: TestServer | undefined;
afterAll(async () => {
  vi.restoreAllMocks();
  await server?.close();
});

it('registers a passkey without one WebCrypto hash', async () => {
  // As a process starts: SimpleWebAuthn on globalThis.crypto.
  expect(await useNodeHashingInSimpleWebAuthn(webcrypto)).toBe(true);
  server = await startTestServer({ origins: [ORIGIN] });
  const client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
  const webCryptoDigest = vi.spyOn(webcrypto.subtle, 'digest');
  const finish = await client.register(new TestAuthenticator(), 'hashing@example.com');
  expect(finish.status).toBe(200);
  expect(typeof finish.body.nonce).toBe('string');
  expect(webCryptoDigest).not.toHaveBeenCalled();
});
