import { randomBytes, sign, webcrypto } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { verifyRegistrationResponse } from '@simplewebauthn/server';
import { TestAuthenticator, generateCredentialKey } from '@passkeyd/test-authenticator';
import { nodeHashingCrypto, useNodeHashingInSimpleWebAuthn } from './simplewebauthn-hashing.js';

const ORIGIN = 'https://example.com';
const RP_ID = 'example.com';

/** A registration response for `challenge`, as a browser on ORIGIN sends it. */
function registration(challenge: string) {
  return new TestAuthenticator().createCredential(
    {
      challenge,
      rp: { id: RP_ID, name: 'Example' },
      user: { id: 'dXNlcg', name: 'user', displayName: 'user' },
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
      attestation: 'none',
    },
    { origin: ORIGIN },
  );
}

const verify = (challenge: string, response = registration(challenge)) =>
  verifyRegistrationResponse({
    response,
    expectedChallenge: challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification: false,
  });

afterEach(() => {
  vi.restoreAllMocks();
});
// SimpleWebAuthn's choice is process-wide: leave it as SimpleWebAuthn would have it.
afterAll(() => useNodeHashingInSimpleWebAuthn(webcrypto));

describe('nodeHashingCrypto', () => {
  const real = webcrypto.subtle;
  const fast = nodeHashingCrypto().subtle;
  const data = randomBytes(300);
  const inputs = {
    ArrayBuffer: () => data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
    'Uint8Array at an offset': () => new Uint8Array(data.buffer, data.byteOffset + 7, 200),
    DataView: () => new DataView(data.buffer, data.byteOffset + 3, 100),
    Buffer: () => data,
    'empty Uint8Array': () => new Uint8Array(0),
  };

  for (const algorithm of [
    'SHA-1',
    'SHA-256',
    'SHA-384',
    'SHA-512',
    'sha-256',
    { name: 'SHA-256' },
  ]) {
    for (const [kind, input] of Object.entries(inputs)) {
      it(`digests ${JSON.stringify(algorithm)} of a ${kind} to WebCrypto's bytes`, async () => {
        const mine = await fast.digest(algorithm, input());
        expect(mine).toBeInstanceOf(ArrayBuffer);
        expect(Buffer.from(mine)).toEqual(Buffer.from(await real.digest(algorithm, input())));
      });
    }
  }

  it("computes the hash before it returns, without WebCrypto's thread-pool job", async () => {
    const spy = vi.spyOn(real, 'digest');
    const pending = fast.digest('SHA-256', data);
    expect(spy).not.toHaveBeenCalled();
    await pending;
  });

  it('leaves other algorithms and inputs to WebCrypto, which refuses them as it would', async () => {
    await expect(fast.digest('MD5', data)).rejects.toMatchObject({ name: 'NotSupportedError' });
    await expect(real.digest('MD5', data)).rejects.toMatchObject({ name: 'NotSupportedError' });
    const notBytes = 'abc' as unknown as Uint8Array;
    const theirs = await real.digest('SHA-256', notBytes).catch((e: Error) => e);
    const mine = await fast.digest('SHA-256', notBytes).catch((e: Error) => e);
    expect(mine).toBeInstanceOf(Error);
    expect((mine as Error).name).toBe((theirs as Error).name);
  });

  it("is WebCrypto's own in every other method: import a key, verify a signature, random bytes", async () => {
    const credential = generateCredentialKey('ES256');
    const message = Buffer.from('signed');
    const signature = sign('sha256', message, {
      key: credential.privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    const key = await fast.importKey(
      'spki',
      credential.publicKeySpki,
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['verify'],
    );
    const alg = { name: 'ECDSA', hash: 'SHA-256' };
    expect(await fast.verify(alg, key, signature, message)).toBe(true);
    expect(await fast.verify(alg, key, signature, Buffer.from('other'))).toBe(false);
    const bytes = nodeHashingCrypto().getRandomValues(new Uint8Array(32));
    expect(bytes.some((b) => b !== 0)).toBe(true);
  });
});

describe('useNodeHashingInSimpleWebAuthn', () => {
  it("makes SimpleWebAuthn's registration verification hash through it, not WebCrypto", async () => {
    const crypto = nodeHashingCrypto();
    expect(await useNodeHashingInSimpleWebAuthn(crypto)).toBe(true);
    const mine = vi.spyOn(crypto.subtle, 'digest');
    const theirs = vi.spyOn(webcrypto.subtle, 'digest');
    const result = await verify(randomBytes(32).toString('base64url'));
    expect(result.verified).toBe(true);
    // The client data and the RP ID (WebAuthn L3 §7.1 steps 11 and 13).
    expect(mine.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(theirs).not.toHaveBeenCalled();
  });

  it('still refuses what SimpleWebAuthn refuses: another challenge, another RP ID', async () => {
    expect(await useNodeHashingInSimpleWebAuthn()).toBe(true);
    const challenge = randomBytes(32).toString('base64url');
    await expect(
      verify(randomBytes(32).toString('base64url'), registration(challenge)),
    ).rejects.toThrow(/challenge/i);
    await expect(
      verifyRegistrationResponse({
        response: registration(challenge),
        expectedChallenge: challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: 'other.example',
        requireUserVerification: false,
      }),
    ).rejects.toThrow(/RP ID/i);
  });
});
