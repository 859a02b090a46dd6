import {
  generateRegistrationOptions,
  verifyRegistrationResponse,
  type VerifyRegistrationResponseOpts,
} from '@simplewebauthn/server';
import { decodeAttestationObject, isoBase64URL, isoCBOR } from '@simplewebauthn/server/helpers';
import { describe, expect, it } from 'vitest';
import {
  TestAuthenticator,
  generateCredentialKey,
  type Alg,
  type RegistrationTamper,
} from './index.js';

const RP_ID = 'example.com';
const ORIGIN = 'https://example.com';
const rsaKey = generateCredentialKey('RS256');

async function creationOptions(attestation: 'none' | 'direct' = 'none') {
  return generateRegistrationOptions({
    rpName: 'Example',
    rpID: RP_ID,
    userName: 'alice@example.com',
    attestationType: attestation,
  });
}

/** 'verified', 'unverified', or the message verification threw with. */
async function outcome(p: Promise<{ verified: boolean }>): Promise<string> {
  try {
    return (await p).verified ? 'verified' : 'unverified';
  } catch (err) {
    return (err as Error).message;
  }
}

async function register(
  opts: {
    alg?: Alg;
    attestation?: 'none' | 'packed';
    tamper?: RegistrationTamper;
    verify?: Partial<VerifyRegistrationResponseOpts>;
  } = {},
) {
  const options = await creationOptions();
  const authenticator = new TestAuthenticator();
  const response = authenticator.createCredential(options, {
    origin: ORIGIN,
    alg: opts.alg ?? 'ES256',
    key: opts.alg === 'RS256' ? rsaKey : undefined,
    attestation: opts.attestation ?? 'none',
    tamper: opts.tamper,
  });
  const verification = verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    ...opts.verify,
  });
  return { options, authenticator, response, verification };
}

describe('createCredential', () => {
  const cases = (['ES256', 'EdDSA', 'RS256'] as const).flatMap((alg) =>
    (['none', 'packed'] as const).map((attestation) => ({ alg, attestation })),
  );

  it.each(cases)(
    '$alg / $attestation verifies with SimpleWebAuthn',
    async ({ alg, attestation }) => {
      const { authenticator, response, verification, options } = await register({
        alg,
        attestation,
      });
      const result = await verification;
      expect(result.verified).toBe(true);
      const info = result.registrationInfo!;
      expect(info.fmt).toBe(attestation);
      expect(info.credential.id).toBe(response.id);
      expect(info.userVerified).toBe(true);
      expect(info.credentialDeviceType).toBe('multiDevice');
      expect(info.credentialBackedUp).toBe(true);
      expect(info.credential.counter).toBe(0);

      const [stored] = authenticator.credentials();
      expect(stored?.alg).toBe(alg);
      expect(stored?.id).toBe(response.id);
      expect(isoBase64URL.fromBuffer(stored!.userHandle)).toBe(options.user.id);
      expect(Buffer.from(info.credential.publicKey)).toEqual(Buffer.from(stored!.publicKeyCose));
    },
  );

  it('returns the WebAuthn JSON shape, transports at both levels, base64url without padding', async () => {
    const { response } = await register();
    expect(response).toMatchObject({
      type: 'public-key',
      transports: ['internal', 'hybrid'],
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
      response: { transports: ['internal', 'hybrid'], publicKeyAlgorithm: -7 },
    });
    expect(response.rawId).toBe(response.id);
    for (const value of [
      response.id,
      response.response.clientDataJSON,
      response.response.attestationObject,
      response.response.authenticatorData,
      response.response.publicKey,
    ]) {
      expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    const idLength = isoBase64URL.toBuffer(response.id).length;
    expect(idLength).toBeGreaterThanOrEqual(16);
    expect(idLength).toBeLessThanOrEqual(32);
  });

  it('writes clientDataJSON members in browser order', async () => {
    const { response, options } = await register();
    const json = isoBase64URL.toUTF8String(response.response.clientDataJSON);
    expect(json).toBe(
      `{"type":"webauthn.create","challenge":"${options.challenge}","origin":"${ORIGIN}","crossOrigin":false}`,
    );
  });

  it('encodes COSE keys with the spec labels', async () => {
    const labels = async (alg: Alg) => {
      const { response } = await register({ alg });
      const att = decodeAttestationObject(
        isoBase64URL.toBuffer(response.response.attestationObject),
      );
      const authData = att.get('authData');
      const idLength = (authData[53]! << 8) | authData[54]!;
      const cose = isoCBOR.decodeFirst<Map<number, unknown>>(
        new Uint8Array(authData.slice(55 + idLength)),
      );
      return [...cose].map(([k, v]) => [k, v instanceof Uint8Array ? v.length : v]);
    };
    expect(await labels('ES256')).toEqual([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, 32],
      [-3, 32],
    ]);
    expect(await labels('EdDSA')).toEqual([
      [1, 1],
      [3, -8],
      [-1, 6],
      [-2, 32],
    ]);
    expect(await labels('RS256')).toEqual([
      [1, 3],
      [3, -257],
      [-1, 256],
      [-2, 3],
    ]);
  });

  it('sets flags from the authenticator options', async () => {
    const options = await creationOptions();
    const authenticator = new TestAuthenticator({
      backupEligible: false,
      userVerifying: false,
      aaguid: '01020304-0506-0708-090a-0b0c0d0e0f10',
    });
    const response = authenticator.createCredential(options, { origin: ORIGIN });
    const result = await verifyRegistrationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      requireUserVerification: false,
    });
    expect(result.registrationInfo).toMatchObject({
      userVerified: false,
      credentialDeviceType: 'singleDevice',
      credentialBackedUp: false,
      aaguid: '01020304-0506-0708-090a-0b0c0d0e0f10',
    });
  });

  it('defaults to packed when the server asks for direct attestation', async () => {
    const options = await creationOptions('direct');
    const response = new TestAuthenticator().createCredential(options, { origin: ORIGIN });
    const result = await verifyRegistrationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
    });
    expect(result.registrationInfo?.fmt).toBe('packed');
  });
});

describe('registration tampering', () => {
  const other = isoBase64URL.fromUTF8String('some other challenge');
  const cases: { name: string; tamper: RegistrationTamper; expected: RegExp }[] = [
    { name: 'origin', tamper: { origin: 'https://evil.example' }, expected: /origin/ },
    { name: 'type', tamper: { type: 'webauthn.get' }, expected: /type/ },
    { name: 'challenge', tamper: { challenge: other }, expected: /challenge/ },
    { name: 'rpId', tamper: { rpId: 'evil.example' }, expected: /RP ID/ },
    { name: 'clearUserPresent', tamper: { clearUserPresent: true }, expected: /User presence/ },
    {
      name: 'clearUserVerified',
      tamper: { clearUserVerified: true },
      expected: /User verification/,
    },
    { name: 'unsupportedAlg', tamper: { unsupportedAlg: -999 }, expected: /public key alg "-999"/ },
    {
      name: 'truncateAttestationObject',
      tamper: { truncateAttestationObject: true },
      expected: /outside the bounds/,
    },
  ];

  for (const attestation of ['none', 'packed'] as const) {
    it.each(cases)(`$name (${attestation}) fails verification`, async ({ tamper, expected }) => {
      const { verification } = await register({ attestation, tamper });
      const result = await outcome(verification);
      expect(result).not.toBe('verified');
      expect(result).toMatch(expected);
    });
  }

  it.each(['ES256', 'EdDSA', 'RS256'] as const)(
    'badAttestationSignature (%s) fails packed verification',
    async (alg) => {
      const { verification } = await register({
        alg,
        attestation: 'packed',
        tamper: { badAttestationSignature: true },
      });
      expect(await outcome(verification)).toBe('unverified');
    },
  );

  it('badAttestationSignature with attestation none is a usage error', async () => {
    await expect(register({ tamper: { badAttestationSignature: true } })).rejects.toThrow(/packed/);
  });

  it('unsupportedAlg can claim an algorithm the server did not offer', async () => {
    const { verification, response } = await register({
      tamper: { unsupportedAlg: -257 },
      verify: { supportedAlgorithmIDs: [-7] },
    });
    expect(response.response.publicKeyAlgorithm).toBe(-257);
    expect(await outcome(verification)).toMatch(/public key alg "-257"/);
  });

  it('credentialId sets the credential ID bytes, stored and attested', async () => {
    const options = await creationOptions();
    const authenticator = new TestAuthenticator();
    const id = new Uint8Array(1024).fill(7);
    const response = authenticator.createCredential(options, { origin: ORIGIN, credentialId: id });
    expect(Buffer.from(response.rawId, 'base64url')).toEqual(Buffer.from(id));
    expect(authenticator.credentials()[0]!.id).toBe(response.id);
    const { registrationInfo } = await verifyRegistrationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
    });
    expect(registrationInfo!.credential.id).toBe(response.id);
  });

  it('clientData adds members to clientDataJSON, covered by a packed attestation', async () => {
    const { response, verification } = await register({
      attestation: 'packed',
      tamper: { clientData: { crossOrigin: true, topOrigin: 'https://top.example' } },
    });
    const clientData = JSON.parse(
      Buffer.from(response.response.clientDataJSON, 'base64url').toString(),
    );
    expect(clientData).toMatchObject({ crossOrigin: true, topOrigin: 'https://top.example' });
    expect(await outcome(verification)).toBe('verified');
  });
});
