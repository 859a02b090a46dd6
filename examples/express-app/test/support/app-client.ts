import type { TestAuthenticator } from '@passkeyd/test-authenticator';
import type { Stack } from './start-stack.js';

/**
 * The example app's pages, played from Node: its own endpoints with a cookie jar, and the
 * browser SDK's half of a ceremony (passkeyd's auth API with the app's Origin) done by a
 * software authenticator. For checks that need no rendering; the browser suite covers the pages.
 */
export class AppClient {
  readonly cookies = new Map<string, string>();

  constructor(readonly stack: Stack) {}

  async post(
    path: string,
    body: unknown,
    init: { headers?: Record<string, string>; rawBody?: string } = {},
  ) {
    const response = await fetch(`${this.stack.example.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'Content-Type': 'application/json',
        Cookie: this.#cookieHeader(),
        ...init.headers,
      },
      body: init.rawBody ?? JSON.stringify(body),
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const [name, value = ''] = pair!.split('=');
      if (/expires=Thu, 01 Jan 1970/i.test(cookie)) this.cookies.delete(name!);
      else this.cookies.set(name!, value);
    }
    const text = await response.text();
    return {
      status: response.status,
      text,
      json: () => JSON.parse(text) as Record<string, unknown>,
    };
  }

  #cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** What `flex.passkey.register(transactionId)` does in the page; resolves to the nonce. */
  async registerPasskey(device: TestAuthenticator, transactionId: string): Promise<string> {
    const start = await this.#auth('register/transactions/webauthn/start', {
      transaction_id: transactionId,
      authenticator_attachment: 'platform',
    });
    const handshake = start.handshake as { id: string; challenge: { publicKey: never } };
    const credential = device.createCredential(handshake.challenge.publicKey, {
      origin: this.stack.example.url,
    });
    const finish = await this.#auth('register/transactions/webauthn/finish', {
      handshake_id: handshake.id,
      handshake_response: credential,
      transaction_id: transactionId,
    });
    return finish.nonce as string;
  }

  /** What `flex.passkey.authenticate()` (no transaction) does in the page; resolves to the nonce. */
  async signInWithAnyPasskey(device: TestAuthenticator): Promise<string> {
    const start = await this.#auth('authenticate/transactions/webauthn/start', {});
    const handshake = start.handshake as { id: string; challenge: { publicKey: never } };
    const assertion = device.getAssertion(handshake.challenge.publicKey, {
      origin: this.stack.example.url,
    });
    const finish = await this.#auth('authenticate/transactions/webauthn/finish', {
      handshake_id: handshake.id,
      handshake_response: assertion,
    });
    return finish.nonce as string;
  }

  async #auth(path: string, body: unknown): Promise<Record<string, unknown>> {
    const { baseUrl, appId } = this.stack.passkeyd;
    const response = await fetch(`${baseUrl}/v1/apps/${encodeURIComponent(appId)}/${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: this.stack.example.url },
      body: JSON.stringify(body),
    });
    const json = (await response.json()) as Record<string, unknown>;
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${JSON.stringify(json)}`);
    return json;
  }
}
