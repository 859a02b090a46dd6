import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  canAuthenticateWithPasskey,
  canRegisterPasskey,
  canUseConditionalCreate,
  canUseConditionalMediation,
} from './capabilities.js';
import { installFakeBrowser } from './test-support/fake-browser.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('canRegisterPasskey and canAuthenticateWithPasskey', () => {
  it('resolve true where WebAuthn is available, without a network call', async () => {
    const browser = installFakeBrowser([]);
    await expect(canRegisterPasskey()).resolves.toBe(true);
    await expect(canAuthenticateWithPasskey()).resolves.toBe(true);
    expect(browser.fetch).not.toHaveBeenCalled();
  });

  it('resolve false without WebAuthn or outside a secure context', async () => {
    installFakeBrowser([], { webauthn: false });
    await expect(canRegisterPasskey()).resolves.toBe(false);
    vi.unstubAllGlobals();
    installFakeBrowser([], { secure: false });
    await expect(canAuthenticateWithPasskey()).resolves.toBe(false);
  });

  it('resolve false during server-side rendering instead of throwing', async () => {
    vi.stubGlobal('window', undefined);
    await expect(canRegisterPasskey()).resolves.toBe(false);
    await expect(canUseConditionalMediation()).resolves.toBe(false);
  });
});

describe('canUseConditionalMediation', () => {
  it('reads the WebAuthn L3 conditionalGet capability', async () => {
    const browser = installFakeBrowser([]);
    browser.statics.getClientCapabilities = async () => ({ conditionalGet: true });
    await expect(canUseConditionalMediation()).resolves.toBe(true);
  });

  it('falls back to isConditionalMediationAvailable when capabilities do not say', async () => {
    const browser = installFakeBrowser([]);
    browser.statics.getClientCapabilities = async () => ({});
    browser.statics.isConditionalMediationAvailable = async () => true;
    await expect(canUseConditionalMediation()).resolves.toBe(true);
  });

  it('resolves false when the browser offers neither check, or a check throws', async () => {
    const browser = installFakeBrowser([]);
    await expect(canUseConditionalMediation()).resolves.toBe(false);
    browser.statics.isConditionalMediationAvailable = async () => {
      throw new Error('boom');
    };
    await expect(canUseConditionalMediation()).resolves.toBe(false);
  });
});

describe('canUseConditionalCreate', () => {
  it('reads the WebAuthn L3 conditionalCreate capability', async () => {
    const browser = installFakeBrowser([]);
    browser.statics.getClientCapabilities = async () => ({ conditionalCreate: true });
    await expect(canUseConditionalCreate()).resolves.toBe(true);
    browser.statics.getClientCapabilities = async () => ({ conditionalCreate: false });
    await expect(canUseConditionalCreate()).resolves.toBe(false);
    expect(browser.fetch).not.toHaveBeenCalled();
  });

  it('resolves false where the browser cannot say, or the query throws, or there is no WebAuthn', async () => {
    const browser = installFakeBrowser([]);
    await expect(canUseConditionalCreate()).resolves.toBe(false);
    browser.statics.getClientCapabilities = async () => ({ conditionalGet: true });
    await expect(canUseConditionalCreate()).resolves.toBe(false);
    browser.statics.getClientCapabilities = async () => {
      throw new Error('nope');
    };
    await expect(canUseConditionalCreate()).resolves.toBe(false);
    vi.unstubAllGlobals();
    installFakeBrowser([], { webauthn: false });
    await expect(canUseConditionalCreate()).resolves.toBe(false);
  });
});
