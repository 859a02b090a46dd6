import { describe, expect, it } from 'vitest';
import {
  appFrom,
  deviceFrom,
  devicesFrom,
  transactionIdFrom,
  userFrom,
  userIdFrom,
  verifiedNonceFrom,
} from './from-wire.js';
import { MalformedBodyError } from './wire-fields.js';

// Shapes from passage-wire.md §3.6–3.10, plus the passkeyd device extras.
const wireDevice = {
  id: 'dev_Hn27cQ',
  cred_id: 'Jm9fQ1xT3rW8yZ0aB2cD4e',
  friendly_name: 'iCloud Keychain',
  type: 'passkey',
  usage_count: 4,
  created_at: '2025-01-10T17:03:30.001Z',
  updated_at: '2025-01-12T09:41:07.002Z',
  last_login_at: '2025-01-12T09:41:07.002Z',
  icons: { light: 'data:image/svg+xml;base64,PHN2Zy4uLg==', dark: null },
  authenticator_name: 'iCloud Keychain',
  aaguid: 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd',
  backup_eligible: true,
  backed_up: true,
  transports: ['internal', 'hybrid'],
};

describe('deviceFrom', () => {
  it('maps every wire field to camelCase with Dates', () => {
    expect(deviceFrom(wireDevice)).toEqual({
      id: 'dev_Hn27cQ',
      credId: 'Jm9fQ1xT3rW8yZ0aB2cD4e',
      friendlyName: 'iCloud Keychain',
      type: 'passkey',
      usageCount: 4,
      createdAt: new Date('2025-01-10T17:03:30.001Z'),
      updatedAt: new Date('2025-01-12T09:41:07.002Z'),
      lastLoginAt: new Date('2025-01-12T09:41:07.002Z'),
      icons: { light: 'data:image/svg+xml;base64,PHN2Zy4uLg==', dark: null },
      authenticatorName: 'iCloud Keychain',
      aaguid: 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd',
      backupEligible: true,
      backedUp: true,
      transports: ['internal', 'hybrid'],
    });
  });

  it('turns a never-used passkey (null last_login_at) into the epoch, as Passage did', () => {
    expect(deviceFrom({ ...wireDevice, last_login_at: null }).lastLoginAt.getTime()).toBe(0);
  });

  it('gives neutral values when a Passage-only server omits the passkeyd extras', () => {
    const {
      authenticator_name: _a,
      aaguid: _b,
      backup_eligible: _c,
      backed_up: _d,
      transports: _e,
      ...passageOnly
    } = wireDevice;
    expect(deviceFrom(passageOnly)).toMatchObject({
      authenticatorName: null,
      aaguid: null,
      backupEligible: false,
      backedUp: false,
      transports: [],
    });
  });

  it('rejects a device without an id', () => {
    expect(() => deviceFrom({ ...wireDevice, id: undefined })).toThrow(MalformedBodyError);
  });
});

describe('devicesFrom', () => {
  it('reads the devices array, treating null as empty', () => {
    expect(devicesFrom({ devices: [wireDevice] })).toHaveLength(1);
    expect(devicesFrom({ devices: null })).toEqual([]);
  });
});

describe('userFrom', () => {
  const wireUser = {
    id: 'usr_T4kPz8Wv',
    external_id: 'user-4821',
    status: 'active',
    email: '',
    email_verified: false,
    phone: '',
    phone_verified: false,
    created_at: '2025-01-10T17:03:22.514Z',
    updated_at: '2025-01-12T09:41:07.002Z',
    last_login_at: '2025-01-12T09:41:07.002Z',
    login_count: 3,
    user_metadata: {},
    webauthn: true,
    webauthn_types: ['passkey'],
    webauthn_devices: [wireDevice],
    recent_events: [],
    social_connections: {},
  };

  it('maps the user to the 1.x PassageUser shape', () => {
    const user = userFrom({ user: wireUser });
    expect(user).toEqual({
      id: 'usr_T4kPz8Wv',
      externalId: 'user-4821',
      status: 'active',
      createdAt: new Date('2025-01-10T17:03:22.514Z'),
      updatedAt: new Date('2025-01-12T09:41:07.002Z'),
      lastLoginAt: new Date('2025-01-12T09:41:07.002Z'),
      loginCount: 3,
      userMetadata: {},
      webauthn: true,
      webauthnDevices: [deviceFrom(wireDevice)],
      webauthnTypes: ['passkey'],
    });
  });

  it('keeps null user_metadata as null', () => {
    expect(userFrom({ user: { ...wireUser, user_metadata: null } }).userMetadata).toBeNull();
  });

  it('rejects a body without a user object', () => {
    expect(() => userFrom({})).toThrow(MalformedBodyError);
  });
});

describe('userIdFrom', () => {
  it('returns the id of the user whose external_id matches exactly', () => {
    expect(userIdFrom({ users: [{ id: 'usr_1', external_id: 'alice' }] }, 'alice')).toBe('usr_1');
  });

  it('refuses a first result whose external_id differs (a loose server-side match)', () => {
    expect(
      userIdFrom({ users: [{ id: 'usr_1', external_id: 'alice2' }] }, 'alice'),
    ).toBeUndefined();
  });

  it('returns undefined for an empty list', () => {
    expect(userIdFrom({ users: [] }, 'alice')).toBeUndefined();
  });
});

describe('transactionIdFrom and appFrom', () => {
  it('reads transaction_id', () => {
    expect(transactionIdFrom({ transaction_id: 'txn_1' })).toBe('txn_1');
    expect(() => transactionIdFrom({})).toThrow(MalformedBodyError);
    expect(() => transactionIdFrom(undefined)).toThrow(MalformedBodyError);
  });

  it('maps the app to the 0.x AppInfo shape', () => {
    const body = {
      app: {
        id: 'app_Vd3kQx9s',
        name: 'Acme Store',
        auth_origin: 'https://acme.example',
        additional_auth_origins: ['https://www.acme.example'],
        type: 'flex',
      },
    };
    expect(appFrom(body)).toEqual({
      id: 'app_Vd3kQx9s',
      name: 'Acme Store',
      authOrigin: 'https://acme.example',
      additionalAuthOrigins: ['https://www.acme.example'],
    });
  });
});

describe('verifiedNonceFrom', () => {
  it('fails when the server does not say which ceremony issued the nonce', () => {
    // Passage, or a passkeyd without nonce details: guessing would let a register nonce sign in.
    for (const body of [
      { external_id: 'user-1' },
      { external_id: 'user-1', ceremony: 'login' },
      { external_id: 'user-1', ceremony: null },
    ]) {
      expect(() => verifiedNonceFrom(body)).toThrow(MalformedBodyError);
    }
  });

  it('keeps nulls the server sends for a nonce without passkey details', () => {
    expect(
      verifiedNonceFrom({
        external_id: 'user-1',
        ceremony: 'authenticate',
        credential_id: null,
        device_id: null,
        transaction_id: null,
        user_verified: null,
        backed_up: null,
        authenticator_name: null,
        authenticated_at: '2026-03-01T12:00:00.000Z',
      }),
    ).toEqual({
      externalId: 'user-1',
      ceremony: 'authenticate',
      credentialId: null,
      deviceId: null,
      transactionId: null,
      userVerified: null,
      backedUp: null,
      authenticatorName: null,
      authenticatedAt: new Date('2026-03-01T12:00:00.000Z'),
    });
  });
});
