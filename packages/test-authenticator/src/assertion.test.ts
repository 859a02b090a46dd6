import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type VerifyAuthenticationResponseOpts,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import { describe, expect, it } from 'vitest';
import {
  TestAuthenticator,
  generateCredentialKey,
  type Alg,
  type AssertionTamper,
  type AuthenticationResponseJSON,
  type TestAuthenticatorOptions,
} from './index.js';

const RP_ID = 'example.com';
const ORIGIN = 'https://example.com';
const rsaKey = generateCredentialKey('RS256');

/** 'verified', 'unverified', or the message verification threw with. */
async function outcome(p: Promise<{ verified: boolean }>): Promise<string> {
  try {
    return (await p).verified ? 'verified' : 'unverified';
  } catch (err) {
    return (err as Error).message;
  }
}

/** A registered credential as a server would store it, plus the authenticator holding it. */
async function enroll(alg: Alg = 'ES256', opts: TestAuthenticatorOptions = {}) {
  const authenticator = new TestAuthenticator(opts);
  const options = await generateRegistrationOptions({
    rpName: 'Example',
    rpID: RP_ID,
    userName: 'alice@example.com',
  });
  const response = authenticator.createCredential(options, {
    origin: ORIGIN,
    alg,
    key: alg === 'RS256' ? rsaKey : undefined,
  });
  const { registrationInfo } = await verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification: false,
  });
  return { authenticator, credential: registrationInfo!.credential, userId: options.user.id };
}

async function authenticate(
  authenticator: TestAuthenticator,
  credential: WebAuthnCredential,
  opts: { tamper?: AssertionTamper; verify?: Partial<VerifyAuthenticationResponseOpts> } = {},
): Promise<{
  response: AuthenticationResponseJSON;
  verification: Promise<{ verified: boolean; authenticationInfo: { newCounter: number } }>;
}> {
  const options = await generateAuthenticationOptions({
    rpID: RP_ID,
    allowCredentials: [{ id: credential.id }],
  });
  const response = authenticator.getAssertion(options, { origin: ORIGIN, tamper: opts.tamper });
  const verification = verifyAuthenticationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    credential,
    ...opts.verify,
  });
  return { response, verification };
}

describe('getAssertion', () => {
  it.each(['ES256', 'EdDSA', 'RS256'] as const)('%s verifies with SimpleWebAuthn', async (alg) => {
    const { authenticator, credential, userId } = await enroll(alg);
    const { response, verification } = await authenticate(authenticator, credential);
    const result = await verification;
    expect(result.verified).toBe(true);
    expect(result.authenticationInfo.newCounter).toBe(1);
    expect(response).toMatchObject({
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
      response: { userHandle: userId },
    });
  });

  it('writes clientDataJSON members in browser order', async () => {
    const { authenticator } = await enroll();
    const response = authenticator.getAssertion(
      { challenge: 'AAEC', rpId: RP_ID },
      { origin: ORIGIN },
    );
    expect(isoBase64URL.toUTF8String(response.response.clientDataJSON)).toBe(
      `{"type":"webauthn.get","challenge":"AAEC","origin":"${ORIGIN}","crossOrigin":false}`,
    );
  });

  it('increments the counter by counterStep and the server accepts each', async () => {
    const { authenticator, credential } = await enroll('ES256', { counterStep: 5 });
    for (const expected of [5, 10, 15]) {
      const result = await (await authenticate(authenticator, credential)).verification;
      expect(result.authenticationInfo.newCounter).toBe(expected);
      credential.counter = result.authenticationInfo.newCounter;
    }
    expect(authenticator.credentials()[0]?.signCount).toBe(15);
  });

  it('never counts with counterStep 0, like synced passkeys', async () => {
    const { authenticator, credential } = await enroll('ES256', { counterStep: 0 });
    for (let i = 0; i < 2; i++) {
      const result = await (await authenticate(authenticator, credential)).verification;
      expect(result.verified).toBe(true);
      expect(result.authenticationInfo.newCounter).toBe(0);
    }
  });

  it('clears UV for a non-verifying authenticator', async () => {
    const { authenticator, credential } = await enroll('ES256', { userVerifying: false });
    const { verification } = await authenticate(authenticator, credential);
    expect(await outcome(verification)).toMatch(/User verification required/);
    const relaxed = await authenticate(authenticator, credential, {
      verify: { requireUserVerification: false },
    });
    expect(await outcome(relaxed.verification)).toBe('verified');
  });
});

describe('assertion tampering', () => {
  const other = isoBase64URL.fromUTF8String('some other challenge');
  const cases: { name: string; tamper: AssertionTamper; expected: RegExp }[] = [
    { name: 'origin', tamper: { origin: 'https://evil.example' }, expected: /origin/ },
    { name: 'type', tamper: { type: 'webauthn.create' }, expected: /type/ },
    { name: 'challenge', tamper: { challenge: other }, expected: /challenge/ },
    { name: 'rpId', tamper: { rpId: 'evil.example' }, expected: /RP ID/ },
    { name: 'clearUserPresent', tamper: { clearUserPresent: true }, expected: /User not present/ },
    {
      name: 'clearUserVerified',
      tamper: { clearUserVerified: true },
      expected: /User verification/,
    },
    {
      name: 'truncateAuthenticatorData',
      tamper: { truncateAuthenticatorData: true },
      expected: /36 bytes/,
    },
  ];

  it.each(cases)('$name fails verification', async ({ tamper, expected }) => {
    const { authenticator, credential } = await enroll();
    const { verification } = await authenticate(authenticator, credential, { tamper });
    const result = await outcome(verification);
    expect(result).not.toBe('verified');
    expect(result).toMatch(expected);
  });

  it.each(['ES256', 'EdDSA', 'RS256'] as const)(
    'tamperSignature (%s) fails verification',
    async (alg) => {
      const { authenticator, credential } = await enroll(alg);
      const tampered = await authenticate(authenticator, credential, {
        tamper: { tamperSignature: true },
      });
      expect(await outcome(tampered.verification)).toBe('unverified');
    },
  );

  it('signCount emits a regressed counter, which fails verification', async () => {
    const { authenticator, credential } = await enroll();
    for (let i = 0; i < 3; i++) {
      const result = await (await authenticate(authenticator, credential)).verification;
      credential.counter = result.authenticationInfo.newCounter;
    }
    expect(credential.counter).toBe(3);
    const replay = await authenticate(authenticator, credential, { tamper: { signCount: 2 } });
    expect(await outcome(replay.verification)).toMatch(/counter value 2 was lower than expected 3/);
    // The signed counter was the tampered one, so only the counter check caught it.
    const fresh = await authenticate(authenticator, credential);
    expect((await fresh.verification).authenticationInfo.newCounter).toBe(5);
  });

  it('userHandle overrides or omits the user handle', async () => {
    const { authenticator, credential } = await enroll();
    const bytes = new Uint8Array([1, 2, 3]);
    const swapped = await authenticate(authenticator, credential, {
      tamper: { userHandle: bytes },
    });
    expect(swapped.response.response.userHandle).toBe('AQID');
    const omitted = await authenticate(authenticator, credential, { tamper: { userHandle: null } });
    expect(omitted.response.response).not.toHaveProperty('userHandle');
    const empty = await authenticate(authenticator, credential, {
      tamper: { userHandle: new Uint8Array() },
    });
    expect(empty.response.response.userHandle).toBe('');
  });

  it('credentialId changes id/rawId but the real credential still signs', async () => {
    const { authenticator, credential } = await enroll();
    const victim = await enroll();
    const { response, verification } = await authenticate(authenticator, credential, {
      tamper: { credentialId: victim.credential.id },
    });
    expect(response.id).toBe(victim.credential.id);
    expect(response.rawId).toBe(victim.credential.id);
    // A server that looks the key up by response.id now checks against the victim's key.
    const asVictim = verifyAuthenticationResponse({
      response,
      expectedChallenge: () => true,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential: victim.credential,
    });
    expect(await outcome(asVictim)).toBe('unverified');
    expect(await outcome(verification)).toBe('verified');
  });

  it('clientData adds signed members to clientDataJSON, and undefined drops one', async () => {
    const { authenticator, credential } = await enroll();
    const { response, verification } = await authenticate(authenticator, credential, {
      tamper: { clientData: { crossOrigin: undefined, topOrigin: 'https://top.example' } },
      verify: { expectedTopOrigin: 'https://top.example' },
    });
    const clientData = JSON.parse(
      Buffer.from(response.response.clientDataJSON, 'base64url').toString(),
    );
    expect(clientData).not.toHaveProperty('crossOrigin');
    expect(clientData.topOrigin).toBe('https://top.example');
    // Signed: the signature still verifies, so only a check of topOrigin can refuse it.
    expect(await outcome(verification)).toMatch(/top origin/);
    const framed = await authenticate(authenticator, credential, {
      tamper: { clientData: { crossOrigin: true, topOrigin: 'https://top.example' } },
      verify: { expectedTopOrigin: 'https://top.example' },
    });
    expect(await outcome(framed.verification)).toBe('verified');
  });

  it('backupEligible and backupState set the signed BE/BS flags of one assertion', async () => {
    const { authenticator, credential } = await enroll('ES256', { backupEligible: false });
    const { response, verification } = await authenticate(authenticator, credential, {
      tamper: { backupEligible: true, backupState: true },
    });
    const flags = Buffer.from(response.response.authenticatorData, 'base64url')[32]!;
    expect([flags & 0x08, flags & 0x10]).toEqual([0x08, 0x10]);
    expect(await outcome(verification)).toBe('verified');
    const plain = await authenticate(authenticator, credential);
    const plainFlags = Buffer.from(plain.response.response.authenticatorData, 'base64url')[32]!;
    expect([plainFlags & 0x08, plainFlags & 0x10]).toEqual([0, 0]);
  });
});
