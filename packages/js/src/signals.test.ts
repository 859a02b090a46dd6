import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  signalAllAcceptedCredentials,
  signalCurrentUserDetails,
  signalUnknownCredential,
} from './signals.js';
import { installFakeBrowser } from './test-support/fake-browser.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('signals', () => {
  it('resolve false, never throwing, where the browser lacks the signal API', async () => {
    installFakeBrowser([]);
    await expect(signalUnknownCredential({ credentialId: 'AQI' })).resolves.toBe(false);
    await expect(
      signalAllAcceptedCredentials({ userId: 'dQ', allAcceptedCredentialIds: [] }),
    ).resolves.toBe(false);
    await expect(signalCurrentUserDetails({ userId: 'dQ', name: 'jane' })).resolves.toBe(false);
    installFakeBrowser([], { webauthn: false });
    await expect(signalUnknownCredential({ credentialId: 'AQI' })).resolves.toBe(false);
  });

  it('resolve false when the browser rejects the signal', async () => {
    const browser = installFakeBrowser([]);
    browser.statics.signalUnknownCredential = async () => {
      throw new DOMException('bad rp', 'SecurityError');
    };
    await expect(signalUnknownCredential({ credentialId: 'AQI' })).resolves.toBe(false);
  });

  it('default the RP ID to the page hostname', async () => {
    const browser = installFakeBrowser([]);
    const fn = vi.fn(async () => undefined);
    browser.statics.signalUnknownCredential = fn;
    await expect(signalUnknownCredential({ credentialId: 'AQI' })).resolves.toBe(true);
    expect(fn).toHaveBeenCalledWith({ rpId: 'shop.example', credentialId: 'AQI' });
  });

  it('feed signalAllAcceptedCredentials from device lists of the management API or the Node SDK', async () => {
    const browser = installFakeBrowser([]);
    const fn = vi.fn(async () => undefined);
    browser.statics.signalAllAcceptedCredentials = fn;
    await signalAllAcceptedCredentials({
      rpId: 'example.com',
      userId: 'dQ',
      allAcceptedCredentialIds: ['a'],
      devices: [{ cred_id: 'b' }, { credId: 'c' }, { cred_id: 'a' }],
    });
    expect(fn).toHaveBeenCalledWith({
      rpId: 'example.com',
      userId: 'dQ',
      allAcceptedCredentialIds: ['a', 'b', 'c'],
    });
  });

  it('default displayName to name in signalCurrentUserDetails', async () => {
    const browser = installFakeBrowser([]);
    const fn = vi.fn(async () => undefined);
    browser.statics.signalCurrentUserDetails = fn;
    await signalCurrentUserDetails({ userId: 'dQ', name: 'jane@example.com' });
    expect(fn).toHaveBeenCalledWith({
      rpId: 'shop.example',
      userId: 'dQ',
      name: 'jane@example.com',
      displayName: 'jane@example.com',
    });
  });
});
