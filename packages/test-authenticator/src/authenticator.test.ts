import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import { createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TestAuthenticator, type CreationOptionsJSON } from './index.js';

const RP_ID = 'example.com';
const ORIGIN = 'https://example.com';
const STANDARD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function creationOptions(overrides: Partial<CreationOptionsJSON> = {}): CreationOptionsJSON {
  return {
    challenge: isoBase64URL.fromUTF8String('a registration challenge'),
    rp: { id: RP_ID, name: 'Example' },
    user: { id: isoBase64URL.fromUTF8String('user-1'), name: 'alice', displayName: 'Alice' },
    pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    ...overrides,
  };
}

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

describe('createCredential', () => {
  it('throws InvalidStateError when excludeCredentials lists one of its credentials', () => {
    const authenticator = new TestAuthenticator();
    const { rawId } = authenticator.createCredential(creationOptions(), { origin: ORIGIN });
    const standard = Buffer.from(isoBase64URL.toBuffer(rawId)).toString('base64');
    for (const id of [rawId, standard]) {
      const err = caught(() =>
        authenticator.createCredential(
          creationOptions({ excludeCredentials: [{ id, type: 'public-key' }] }),
          { origin: ORIGIN },
        ),
      );
      expect(err.name).toBe('InvalidStateError');
      expect(err).toBeInstanceOf(Error);
    }
    expect(authenticator.credentials()).toHaveLength(1);
    // Another authenticator does not hold it, so it registers fine.
    new TestAuthenticator().createCredential(
      creationOptions({ excludeCredentials: [{ id: rawId, type: 'public-key' }] }),
      { origin: ORIGIN },
    );
  });

  it('picks the first supported algorithm offered, ES256 when none is listed', () => {
    const authenticator = new TestAuthenticator();
    const params = [
      { type: 'public-key', alg: -36 },
      { type: 'public-key', alg: -8 },
      { type: 'public-key', alg: -7 },
    ];
    const first = authenticator.createCredential(creationOptions({ pubKeyCredParams: params }), {
      origin: ORIGIN,
    });
    expect(first.response.publicKeyAlgorithm).toBe(-8);
    const second = authenticator.createCredential(creationOptions({ pubKeyCredParams: [] }), {
      origin: ORIGIN,
    });
    expect(second.response.publicKeyAlgorithm).toBe(-7);
    expect(authenticator.credentials().map((c) => c.alg)).toEqual(['EdDSA', 'ES256']);
  });

  it('throws NotSupportedError when no offered algorithm is supported', () => {
    const options = creationOptions({ pubKeyCredParams: [{ type: 'public-key', alg: -35 }] });
    const err = caught(() => new TestAuthenticator().createCredential(options, { origin: ORIGIN }));
    expect(err.name).toBe('NotSupportedError');
  });

  it('throws SecurityError when the RP ID does not fit the origin, and defaults it to the host', () => {
    const authenticator = new TestAuthenticator();
    const err = caught(() =>
      authenticator.createCredential(creationOptions(), { origin: 'https://example.org' }),
    );
    expect(err.name).toBe('SecurityError');
    authenticator.createCredential(creationOptions(), { origin: 'https://login.example.com' });
    authenticator.createCredential(creationOptions({ rp: { name: 'Local' } }), {
      origin: 'http://localhost:3000',
    });
    expect(authenticator.credentials().map((c) => c.rpId)).toEqual([RP_ID, 'localhost']);
  });

  it('accepts standard/padded base64 challenges and options wrapped in { publicKey }', async () => {
    const challenge = new Uint8Array([0xfb, 0xff, 0xfe, 0x01]);
    const standard = Buffer.from(challenge).toString('base64'); // "+//+AQ=="
    const response = new TestAuthenticator().createCredential(
      { publicKey: creationOptions({ challenge: standard }) },
      { origin: ORIGIN },
    );
    const clientData = JSON.parse(isoBase64URL.toUTF8String(response.response.clientDataJSON));
    expect(clientData.challenge).toBe('-__-AQ');
    const result = await verifyRegistrationResponse({
      response,
      expectedChallenge: '-__-AQ',
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
    });
    expect(result.verified).toBe(true);
  });

  it('reports credProps when asked', () => {
    const response = new TestAuthenticator().createCredential(
      creationOptions({ extensions: { credProps: true } }),
      { origin: ORIGIN },
    );
    expect(response.clientExtensionResults).toEqual({ credProps: { rk: true } });
  });

  it('rejects a malformed user id instead of guessing', () => {
    const options = creationOptions({ user: { id: 'not base64!', name: 'a', displayName: 'a' } });
    expect(() => new TestAuthenticator().createCredential(options, { origin: ORIGIN })).toThrow(
      /user\.id/,
    );
  });
});

describe('getAssertion credential selection', () => {
  const request = {
    challenge: isoBase64URL.fromUTF8String('an authentication challenge'),
    rpId: RP_ID,
  };

  function twoCredentials() {
    const authenticator = new TestAuthenticator();
    const first = authenticator.createCredential(creationOptions(), { origin: ORIGIN });
    const second = authenticator.createCredential(
      creationOptions({ user: { id: 'dXNlci0y', name: 'bob', displayName: 'Bob' } }),
      { origin: ORIGIN },
    );
    return { authenticator, first: first.id, second: second.id };
  }

  it('uses the most recent credential for the RP when allowCredentials is empty', () => {
    const { authenticator, second } = twoCredentials();
    const response = authenticator.getAssertion(request, { origin: ORIGIN });
    expect(response.id).toBe(second);
    expect(response.response.userHandle).toBe('dXNlci0y');
  });

  it('honours allowCredentials and ctx.credentialId', () => {
    const { authenticator, first, second } = twoCredentials();
    const allowFirst = { ...request, allowCredentials: [{ id: first, type: 'public-key' }] };
    expect(authenticator.getAssertion(allowFirst, { origin: ORIGIN }).id).toBe(first);
    expect(authenticator.getAssertion(request, { origin: ORIGIN, credentialId: first }).id).toBe(
      first,
    );
    const err = caught(() =>
      authenticator.getAssertion(allowFirst, { origin: ORIGIN, credentialId: second }),
    );
    expect(err.name).toBe('NotAllowedError');
  });

  it('throws NotAllowedError when nothing matches', () => {
    const { authenticator } = twoCredentials();
    const unknown = {
      ...request,
      allowCredentials: [{ id: 'AAAAAAAAAAAAAAAAAAAAAA', type: 'public-key' }],
    };
    expect(caught(() => authenticator.getAssertion(unknown, { origin: ORIGIN })).name).toBe(
      'NotAllowedError',
    );
    const otherRp = { ...request, rpId: 'example.org' };
    expect(
      caught(() => authenticator.getAssertion(otherRp, { origin: 'https://example.org' })).name,
    ).toBe('NotAllowedError');
    expect(
      caught(() => new TestAuthenticator().getAssertion(request, { origin: ORIGIN })).name,
    ).toBe('NotAllowedError');
  });
});

describe('exportForCdp / importCredential', () => {
  it('exports standard base64 fields in the CDP WebAuthn.Credential shape', () => {
    const authenticator = new TestAuthenticator();
    const options = creationOptions();
    const { id } = authenticator.createCredential(options, { origin: ORIGIN });
    authenticator.getAssertion({ challenge: 'AAAA', rpId: RP_ID }, { origin: ORIGIN });
    const cdp = authenticator.exportForCdp(id);
    expect(cdp).toEqual({
      credentialId: Buffer.from(isoBase64URL.toBuffer(id)).toString('base64'),
      isResidentCredential: true,
      rpId: RP_ID,
      privateKey: expect.stringMatching(STANDARD_BASE64),
      userHandle: Buffer.from('user-1').toString('base64'),
      signCount: 1,
    });
    expect(cdp.credentialId).toMatch(STANDARD_BASE64);
    const key = createPrivateKey({
      key: Buffer.from(cdp.privateKey, 'base64'),
      format: 'der',
      type: 'pkcs8',
    });
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(() => authenticator.exportForCdp('AAAA')).toThrow(/no credential/);
  });

  it.each(['ES256', 'EdDSA'] as const)(
    'a %s credential exported for CDP imports into another authenticator and still verifies',
    async (alg) => {
      const original = new TestAuthenticator();
      const regOptions = await generateRegistrationOptions({
        rpName: 'Example',
        rpID: RP_ID,
        userName: 'alice',
      });
      const registration = original.createCredential(regOptions, { origin: ORIGIN, alg });
      const { registrationInfo } = await verifyRegistrationResponse({
        response: registration,
        expectedChallenge: regOptions.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
      });

      const clone = new TestAuthenticator();
      const imported = clone.importCredential({
        ...original.exportForCdp(registration.id),
        signCount: 7,
      });
      expect(imported).toMatchObject({ id: registration.id, alg, rpId: RP_ID, signCount: 7 });
      expect(Buffer.from(imported.publicKeyCose)).toEqual(
        Buffer.from(registrationInfo!.credential.publicKey),
      );

      const authOptions = await generateAuthenticationOptions({ rpID: RP_ID });
      const assertion = clone.getAssertion(authOptions, { origin: ORIGIN });
      const result = await verifyAuthenticationResponse({
        response: assertion,
        expectedChallenge: authOptions.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
        credential: registrationInfo!.credential,
      });
      expect(result.verified).toBe(true);
      expect(result.authenticationInfo.newCounter).toBe(8);
      expect(assertion.response.userHandle).toBe(regOptions.user.id);
    },
  );

  it('infers the algorithm from the key, rejects a contradicting alg, replaces same-ID credentials', () => {
    const source = new TestAuthenticator();
    source.createCredential(
      creationOptions({ pubKeyCredParams: [{ type: 'public-key', alg: -8 }] }),
      {
        origin: ORIGIN,
      },
    );
    const [stored] = source.credentials();
    const target = new TestAuthenticator();
    const input = {
      credentialId: stored!.rawId,
      privateKey: stored!.privateKey,
      rpId: RP_ID,
      userHandle: stored!.userHandle,
    };
    expect(target.importCredential(input).alg).toBe('EdDSA');
    expect(() => target.importCredential({ ...input, alg: 'ES256' })).toThrow(
      /EdDSA key, not ES256/,
    );
    target.importCredential({ ...input, privateKey: stored!.privateKeyPkcs8, signCount: 3 });
    expect(target.credentials().map((c) => c.signCount)).toEqual([3]);
  });
});
