import { describe, expect, it } from 'vitest';
import { readHandshake, readNonce, toCreationOptions, toRequestOptions } from './options.js';

const bytes = (...values: number[]) => new Uint8Array(values);

// Shapes from passage-wire.md §2.3 and §2.5.
const creationJSON = {
  rp: { name: 'Acme Store', id: 'acme.example' },
  user: { name: 'jane@acme.example', displayName: 'Jane', id: 'AQID' },
  challenge: '_w',
  pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
  timeout: 300000,
  excludeCredentials: [{ type: 'public-key', id: 'BAU', transports: ['internal'] }],
  authenticatorSelection: {
    authenticatorAttachment: 'platform',
    residentKey: 'preferred',
    userVerification: 'preferred',
  },
  attestation: 'none',
};

describe('toCreationOptions', () => {
  it('decodes challenge, user.id and excludeCredentials ids and keeps everything else', () => {
    const options = toCreationOptions(creationJSON);
    expect(options.challenge).toEqual(bytes(0xff));
    expect(options.user.id).toEqual(bytes(1, 2, 3));
    expect(options.excludeCredentials?.[0]).toEqual({
      type: 'public-key',
      id: bytes(4, 5),
      transports: ['internal'],
    });
    expect(options).toMatchObject({
      rp: creationJSON.rp,
      user: { name: 'jane@acme.example', displayName: 'Jane' },
      pubKeyCredParams: creationJSON.pubKeyCredParams,
      timeout: 300000,
      authenticatorSelection: creationJSON.authenticatorSelection,
      attestation: 'none',
    });
  });

  it('passes newer keys such as hints through to the browser', () => {
    expect(toCreationOptions({ ...creationJSON, hints: ['client-device'] })).toMatchObject({
      hints: ['client-device'],
    });
  });

  it('drops JSON nulls, which WebIDL would reject, at every level the server fills in', () => {
    const options = toCreationOptions({
      ...creationJSON,
      excludeCredentials: null,
      extensions: null,
      rp: { name: 'Acme', id: null },
      authenticatorSelection: { authenticatorAttachment: null, residentKey: 'required' },
    });
    expect(options).not.toHaveProperty('excludeCredentials');
    expect(options).not.toHaveProperty('extensions');
    expect(options.rp).toEqual({ name: 'Acme' });
    expect(options.authenticatorSelection).toEqual({ residentKey: 'required' });
  });

  it.each([
    ['no user', { ...creationJSON, user: undefined }],
    [
      'a user.id that is not base64url',
      { ...creationJSON, user: { ...creationJSON.user, id: 'a b' } },
    ],
    ['a missing challenge', { ...creationJSON, challenge: undefined }],
    ['excludeCredentials that is not a list', { ...creationJSON, excludeCredentials: 'x' }],
  ])('reports %s as invalid_server_response', (_, json) => {
    expect(() => toCreationOptions(json)).toThrow(
      expect.objectContaining({ code: 'invalid_server_response' }),
    );
  });
});

describe('toRequestOptions', () => {
  it('decodes challenge and allowCredentials ids', () => {
    const options = toRequestOptions({
      challenge: 'AQID',
      rpId: 'acme.example',
      allowCredentials: [{ type: 'public-key', id: '_w', transports: ['internal'] }],
      userVerification: 'preferred',
      timeout: 1000,
    });
    expect(options).toEqual({
      challenge: bytes(1, 2, 3),
      rpId: 'acme.example',
      allowCredentials: [{ type: 'public-key', id: bytes(0xff), transports: ['internal'] }],
      userVerification: 'preferred',
      timeout: 1000,
    });
  });

  it('passes hints and a step-up userVerification through to the browser, in order', () => {
    expect(
      toRequestOptions({
        challenge: 'AQID',
        hints: ['security-key', 'hybrid'],
        userVerification: 'required',
      }),
    ).toEqual({
      challenge: bytes(1, 2, 3),
      hints: ['security-key', 'hybrid'],
      userVerification: 'required',
    });
  });

  it('leaves allowCredentials out for a discoverable sign-in whether the server sent null or nothing', () => {
    expect(toRequestOptions({ challenge: 'AQID', allowCredentials: null })).toEqual({
      challenge: bytes(1, 2, 3),
    });
    expect(toRequestOptions({ challenge: 'AQID' })).toEqual({ challenge: bytes(1, 2, 3) });
  });
});

describe('readHandshake', () => {
  it('reads id and options from handshake.challenge.publicKey', () => {
    const body = {
      handshake: { id: 'hs_1', challenge: { publicKey: { challenge: 'AQID' } } },
      transaction_id: 't',
    };
    expect(readHandshake(body)).toEqual({ id: 'hs_1', publicKey: { challenge: 'AQID' } });
  });

  it.each([
    null,
    {},
    { handshake: { id: 'hs_1' } },
    { handshake: { challenge: { publicKey: {} } } },
  ])('reports %j as invalid_server_response', (body) => {
    expect(() => readHandshake(body)).toThrow(
      expect.objectContaining({ code: 'invalid_server_response' }),
    );
  });
});

describe('readNonce', () => {
  it('returns the nonce', () => {
    expect(readNonce({ nonce: 'nce_1' })).toBe('nce_1');
  });

  it('rejects a finish response without a nonce, which passage-flex-js silently resolved as undefined', () => {
    expect(() => readNonce({})).toThrow(
      expect.objectContaining({ code: 'invalid_server_response' }),
    );
    expect(() => readNonce({ nonce: '' })).toThrow(
      expect.objectContaining({ code: 'invalid_server_response' }),
    );
  });
});
