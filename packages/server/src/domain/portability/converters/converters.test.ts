import { generateCredentialKey, type CredentialKey } from '@passkeyd/test-authenticator';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRecord } from '../parse-record.js';
import { fromHanko } from './hanko.js';
import { fromPassage, passageKeys } from './passage.js';
import { fromSimpleWebAuthn } from './simplewebauthn.js';

const b64u = (b: Uint8Array | string) => Buffer.from(b).toString('base64url');
const GPM = 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4';
let key: CredentialKey;
beforeAll(() => {
  key = generateCredentialKey('ES256');
});

/** What import will store for a converted record (the parser is the judge of every field). */
function parsed(value: unknown) {
  const c = parseRecord(value, 1);
  return {
    externalId: c.externalId,
    userHandle: c.userHandle,
    credentials: c.credentials.map((p) => (p.ok ? p.draft : { error: p.error.message })),
  };
}

describe('SimpleWebAuthn passkeys table', () => {
  it('maps a row printed by psql (hex bytea, t/f, CSV transports) to a passkey of the row’s user', () => {
    const row = {
      id: b64u('cred-1'),
      publicKey: `\\x${Buffer.from(key.publicKeyCose).toString('hex')}`,
      user_id: '42',
      webauthnUserID: b64u('handle-42'),
      counter: '12',
      deviceType: 'multiDevice',
      backedUp: 't',
      transports: 'internal,hybrid',
      created_at: '2024-06-01 10:00:00+00',
    };
    expect(parsed(fromSimpleWebAuthn(row))).toMatchObject({
      externalId: '42',
      userHandle: b64u('handle-42'),
      credentials: [
        {
          credentialId: b64u('cred-1'),
          publicKey: b64u(key.publicKeyCose),
          alg: -7,
          signCount: 12,
          backupEligible: true,
          backedUp: true,
          transports: ['internal', 'hybrid'],
          createdAt: Date.parse('2024-06-01T10:00:00Z'),
        },
      ],
    });
  });

  it('maps a row of a JSON dump (Buffer JSON, booleans, transports array; user as an object) and a chosen user column', () => {
    const row = {
      id: b64u('cred-2'),
      publicKey: { type: 'Buffer', data: [...key.publicKeyCose] },
      user: { id: 'u-7', username: 'jane' },
      email: 'jane@example.com',
      webAuthnUserID: b64u('h7'),
      counter: 0,
      deviceType: 'singleDevice',
      backedUp: false,
      transports: ['usb'],
    };
    expect(parsed(fromSimpleWebAuthn(row))).toMatchObject({
      externalId: 'u-7',
      credentials: [{ backupEligible: false, backedUp: false, transports: ['usb'] }],
    });
    expect(parsed(fromSimpleWebAuthn(row, ['email'])).externalId).toBe('jane@example.com');
  });
});

describe('Hanko passkey-server credentials', () => {
  it('maps an admin API answer for a user; the handle is the UTF-8 of its user_id; MFA-only keys stay behind', () => {
    const answer = {
      user_id: '2e4d6f5a-6b5c-4a41-9d1a-0f0b3c5a1f00',
      credentials: [
        {
          id: b64u('hanko-1'),
          name: 'iPhone',
          public_key: b64u(key.publicKeyCose),
          attestation_type: 'none',
          aaguid: GPM,
          last_used_at: '2025-05-01T08:00:00.123456Z',
          created_at: '2025-01-01T08:00:00Z',
          transports: ['internal', 'hybrid'],
          backup_eligible: true,
          backup_state: true,
          is_mfa: false,
        },
        {
          id: b64u('hanko-2'),
          public_key: b64u(key.publicKeyCose),
          aaguid: GPM,
          created_at: '2025-01-02T08:00:00Z',
          transports: ['usb'],
          backup_eligible: false,
          backup_state: false,
          is_mfa: true,
        },
      ],
    };
    const { value, notes } = fromHanko(answer);
    expect(notes).toEqual([
      { credentialId: b64u('hanko-2'), message: expect.stringMatching(/MFA-only/) },
    ]);
    expect(parsed(value)).toMatchObject({
      externalId: answer.user_id,
      userHandle: b64u(answer.user_id),
      credentials: [
        {
          credentialId: b64u('hanko-1'),
          aaguid: GPM,
          displayName: 'iPhone',
          signCount: 0,
          lastUsedAt: Date.parse('2025-05-01T08:00:00.123Z'),
          backupEligible: true,
        },
      ],
    });
  });

  it('maps a database row (webauthn_credentials joined to webauthn_users), sign count included', () => {
    const row = {
      user_id: 'user-9',
      id: b64u('hanko-3'),
      public_key: b64u(key.publicKeyCose),
      aaguid: GPM,
      sign_count: 5,
      name: null,
      transports: '{usb,nfc}',
      backup_eligible: 'f',
      backup_state: 'f',
      created_at: '2025-01-01 08:00:00+00',
      last_used_at: null,
      is_mfa: 'f',
    };
    expect(parsed(fromHanko(row).value)).toMatchObject({
      externalId: 'user-9',
      userHandle: b64u('user-9'),
      credentials: [{ signCount: 5, transports: ['usb', 'nfc'], displayName: null }],
    });
  });
});

describe('Passage user export', () => {
  const device = (id: string, extra: object = {}) => ({
    id: `dev_${id}`,
    cred_id: b64u(id),
    friendly_name: `Device ${id}`,
    type: 'passkey',
    usage_count: 4,
    created_at: '2025-01-10T17:03:30.001Z',
    updated_at: '2025-01-12T09:41:07.002Z',
    last_login_at: '2025-01-12T09:41:07.002Z',
    icons: { light: null, dark: null },
    ...extra,
  });

  it('carries devices over only where their key was supplied, and says why the others stay behind', () => {
    const user = {
      user: {
        id: 'usr_T4kPz8Wv',
        external_id: 'user-4821',
        status: 'active',
        created_at: '2025-01-10T17:03:22.514Z',
        last_login_at: '2025-01-12T09:41:07.002Z',
        login_count: 3,
        webauthn: true,
        webauthn_devices: [device('with-key'), device('no-key')],
      },
    };
    const keys = passageKeys([
      {
        cred_id: b64u('with-key'),
        public_key: b64u(key.publicKeyCose),
        user_handle: b64u('passage-handle'),
        sign_count: 9,
      },
    ]);
    const { value, notes } = fromPassage(user, keys);
    expect(notes).toEqual([
      {
        credentialId: b64u('no-key'),
        message: expect.stringMatching(
          /no public key: Passage's self-serve user export carries none/,
        ),
      },
    ]);
    expect(parsed(value)).toMatchObject({
      externalId: 'user-4821',
      userHandle: b64u('passage-handle'),
      credentials: [
        {
          credentialId: b64u('with-key'),
          displayName: 'Device with-key',
          signCount: 9,
          usageCount: 4,
          backupEligible: true,
          backedUp: true,
          lastUsedAt: Date.parse('2025-01-12T09:41:07.002Z'),
        },
      ],
    });
  });

  it('takes keys in SPKI or JWK form too, and the Passage user id when there is no external id', () => {
    const keys = passageKeys([
      {
        credential_id: b64u('spki'),
        public_key_spki: b64u(key.publicKeySpki),
        alg: 'ES256',
        user_handle: b64u('h'),
      },
    ]);
    const { value } = fromPassage(
      { id: 'usr_only', webauthn_devices: [device('spki', { type: 'security_key' })] },
      keys,
    );
    expect(parsed(value)).toMatchObject({
      externalId: 'usr_only',
      credentials: [
        { publicKey: b64u(key.publicKeyCose), backupEligible: false, transports: ['usb'] },
      ],
    });
  });

  it('keeps a row of the dashboard CSV as a user without passkeys, noting passkeys it cannot bring', () => {
    const { value, notes } = fromPassage(
      {
        id: 'usr_csv',
        email: 'a@example.com',
        status: 'active',
        webauthn: 'true',
        created_at: '2024-03-01T00:00:00Z',
      },
      new Map(),
      ['email'],
    );
    expect(notes).toEqual([{ message: expect.stringMatching(/had passkeys/) }]);
    expect(parseRecord(value, 1)).toMatchObject({
      externalId: 'a@example.com',
      userHandle: undefined,
      credentials: [],
    });
  });

  it('refuses a device whose key record carries another user handle than the user’s other passkeys', () => {
    const keys = passageKeys([
      { cred_id: b64u('a'), public_key: b64u(key.publicKeyCose), user_handle: b64u('h1') },
      { cred_id: b64u('b'), public_key: b64u(key.publicKeyCose), user_handle: b64u('h2') },
    ]);
    const { value, notes } = fromPassage(
      { external_id: 'x', webauthn_devices: [device('a'), device('b')] },
      keys,
    );
    expect(value.credentials).toHaveLength(1);
    expect(notes).toEqual([
      { credentialId: b64u('b'), message: expect.stringMatching(/user_handle differs/) },
    ]);
  });
});
