import type { CDPSession, Page } from 'playwright-core';

/**
 * A CDP virtual authenticator stands in for the user's device: it answers WebAuthn requests
 * without UI. Chromium's holds at most 3 discoverable credentials, so add one per simulated device.
 * https://chromedevtools.github.io/devtools-protocol/tot/WebAuthn/
 */

export interface VirtualAuthenticatorOptions {
  protocol?: 'ctap2' | 'u2f';
  transport?: 'internal' | 'usb' | 'nfc' | 'ble' | 'hybrid';
  hasResidentKey?: boolean;
  hasUserVerification?: boolean;
  isUserVerified?: boolean;
  /** When false, the authenticator waits for a "touch" that never comes: the prompt just hangs. */
  automaticPresenceSimulation?: boolean;
}

export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  userHandle?: string;
  signCount: number;
}

export interface VirtualAuthenticator {
  readonly id: string;
  readonly cdp: CDPSession;
  credentials(): Promise<VirtualCredential[]>;
  setUserVerified(isUserVerified: boolean): Promise<void>;
  setAutomaticPresenceSimulation(enabled: boolean): Promise<void>;
  remove(): Promise<void>;
}

const enabled = new WeakMap<Page, Promise<CDPSession>>();

async function webAuthnSession(page: Page): Promise<CDPSession> {
  let session = enabled.get(page);
  if (!session) {
    session = (async () => {
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('WebAuthn.enable', { enableUI: false });
      return cdp;
    })();
    enabled.set(page, session);
  }
  return session;
}

export async function addVirtualAuthenticator(
  page: Page,
  options: VirtualAuthenticatorOptions = {},
): Promise<VirtualAuthenticator> {
  const cdp = await webAuthnSession(page);
  const { authenticatorId: id } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
      ...options,
    },
  });
  return {
    id,
    cdp,
    async credentials() {
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId: id });
      return credentials as VirtualCredential[];
    },
    async setUserVerified(isUserVerified) {
      await cdp.send('WebAuthn.setUserVerified', { authenticatorId: id, isUserVerified });
    },
    async setAutomaticPresenceSimulation(enabled) {
      await cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId: id, enabled });
    },
    async remove() {
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: id });
    },
  };
}
