import { vi } from 'vitest';

/**
 * Just enough of a browser for the SDK's unit tests: window, navigator.credentials,
 * PublicKeyCredential and fetch, all stubbed with vi.stubGlobal (undo with vi.unstubAllGlobals).
 * Real WebAuthn is exercised by the Chromium suites in e2e/.
 */

const buf = (...values: number[]) => new Uint8Array(values).buffer;

export function fakeAttestationCredential(): PublicKeyCredential {
  return {
    id: 'AQI',
    rawId: buf(1, 2),
    type: 'public-key',
    response: {
      attestationObject: buf(3),
      clientDataJSON: buf(4),
      getTransports: () => ['internal', 'hybrid'],
    },
  } as unknown as PublicKeyCredential;
}

export function fakeAssertionCredential(
  userHandle: ArrayBuffer | null = buf(9),
): PublicKeyCredential {
  return {
    id: 'AQI',
    rawId: buf(1, 2),
    type: 'public-key',
    response: { authenticatorData: buf(5), clientDataJSON: buf(6), signature: buf(7), userHandle },
  } as unknown as PublicKeyCredential;
}

export interface FakeBrowser {
  fetch: ReturnType<typeof vi.fn>;
  create: ReturnType<typeof vi.fn>;
  get: ReturnType<typeof vi.fn>;
  statics: Record<string, unknown>;
  /** The JSON bodies of every request, in order, with their URL. */
  requests(): Array<{ url: string; body: unknown; headers: unknown }>;
}

export function installFakeBrowser(
  responses: Array<{ status: number; body: unknown }>,
  options: { secure?: boolean; webauthn?: boolean } = {},
): FakeBrowser {
  const queue = [...responses];
  const fetch = vi.fn(async (_url: string, _init: RequestInit) => {
    const next = queue.shift();
    if (!next) throw new TypeError('Failed to fetch');
    return new Response(JSON.stringify(next.body), { status: next.status });
  });
  const create = vi.fn(async () => fakeAttestationCredential());
  const get = vi.fn(async () => fakeAssertionCredential());
  const statics: Record<string, unknown> = {};
  const PublicKeyCredential = Object.assign(function PublicKeyCredential() {}, statics);
  vi.stubGlobal('fetch', fetch);
  vi.stubGlobal('window', {
    isSecureContext: options.secure ?? true,
    ...(options.webauthn !== false && { PublicKeyCredential }),
  });
  vi.stubGlobal('location', { href: 'https://shop.example/login', hostname: 'shop.example' });
  vi.stubGlobal('navigator', options.webauthn === false ? {} : { credentials: { create, get } });
  vi.stubGlobal(
    'PublicKeyCredential',
    options.webauthn === false ? undefined : PublicKeyCredential,
  );
  return {
    fetch,
    create,
    get,
    // Tests add static methods (signals, capabilities) onto the same function object.
    statics: PublicKeyCredential as unknown as Record<string, unknown>,
    requests: () =>
      fetch.mock.calls.map(([url, init]) => ({
        url,
        body: JSON.parse(String(init.body)),
        headers: init.headers,
      })),
  };
}

export const startResponse = (publicKey: Record<string, unknown>) => ({
  status: 200,
  body: { handshake: { id: 'hs_1', challenge: { publicKey } }, transaction_id: 'txn_1' },
});

export const creationOptions = {
  rp: { name: 'Shop', id: 'shop.example' },
  user: { name: 'jane', displayName: 'Jane', id: 'AQID' },
  challenge: 'AQID',
  pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
};

export const requestOptions = { challenge: 'AQID', rpId: 'shop.example' };
