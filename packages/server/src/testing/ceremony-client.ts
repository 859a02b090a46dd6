/**
 * A small HTTP client for passkeyd's two APIs, used by this project's integration tests, the
 * demo-flow script and benchmarks. It plays both the app backend (management API with the API
 * key) and the browser (frontend API with an Origin header and a software authenticator).
 */
export interface HttpResult<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

// Minimal structural view of @passkeyd/test-authenticator, so the server package needs no
// dependency on it.
export interface AuthenticatorLike {
  createCredential(options: unknown, ctx: { origin: string; [k: string]: unknown }): unknown;
  getAssertion(options: unknown, ctx: { origin: string; [k: string]: unknown }): unknown;
}

export class CeremonyClient {
  constructor(
    readonly baseUrl: string,
    readonly appId: string,
    readonly apiKey: string,
    readonly origin: string,
  ) {}

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    opts: { body?: unknown; headers?: Record<string, string>; rawBody?: string } = {},
  ): Promise<HttpResult<T>> {
    const res = await fetch(`${this.baseUrl}/v1${path}`, {
      method,
      headers: {
        ...(opts.body !== undefined || opts.rawBody !== undefined
          ? { 'content-type': 'application/json' }
          : {}),
        ...opts.headers,
      },
      ...(opts.rawBody !== undefined
        ? { body: opts.rawBody }
        : opts.body !== undefined
          ? { body: JSON.stringify(opts.body) }
          : {}),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      // leave as text
    }
    return { status: res.status, body: body as T, headers: res.headers };
  }

  /** Management API call with this client's API key. */
  backend<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    apiKey = this.apiKey,
  ) {
    return this.request<T>(method, `/apps/${encodeURIComponent(this.appId)}${path}`, {
      ...(body === undefined ? {} : { body }),
      headers: { authorization: `Bearer ${apiKey}` },
    });
  }

  /** Frontend API call, as the browser on `origin` makes it. */
  frontend<T = Record<string, unknown>>(path: string, body: unknown, origin = this.origin) {
    return this.request<T>('POST', `/apps/${encodeURIComponent(this.appId)}${path}`, {
      body,
      headers: { origin, 'passage-flex-version': '@passkeyd/test 0.0.0' },
    });
  }

  /** B1 as sent, answer and all (createRegisterTransaction throws on anything but 201). */
  registerTransactionRequest(externalId: string, extra: Record<string, unknown> = {}) {
    return this.backend<{ transaction_id: string; code?: string }>(
      'POST',
      '/transactions/register',
      { external_id: externalId, passkey_display_name: `${externalId}@example.com`, ...extra },
    );
  }

  /** B2 as sent, answer and all. */
  authenticateTransactionRequest(externalId: string, extra: Record<string, unknown> = {}) {
    return this.backend<{ transaction_id: string; code?: string }>(
      'POST',
      '/transactions/authenticate',
      { external_id: externalId, ...extra },
    );
  }

  async createRegisterTransaction(
    externalId: string,
    passkeyDisplayName = `${externalId}@example.com`,
  ): Promise<string> {
    const r = await this.backend<{ transaction_id: string }>('POST', '/transactions/register', {
      external_id: externalId,
      passkey_display_name: passkeyDisplayName,
    });
    if (r.status !== 201)
      throw new Error(`create register transaction: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.transaction_id;
  }

  async createAuthenticateTransaction(externalId: string): Promise<string> {
    const r = await this.backend<{ transaction_id: string }>('POST', '/transactions/authenticate', {
      external_id: externalId,
    });
    if (r.status !== 201)
      throw new Error(`create authenticate transaction: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.transaction_id;
  }

  async startRegistration(transactionId: string) {
    const r = await this.frontend<Handshake>('/register/transactions/webauthn/start', {
      transaction_id: transactionId,
      authenticator_attachment: 'platform',
    });
    if (r.status !== 200) throw new Error(`register start: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  finishRegistration(
    handshakeId: string,
    response: unknown,
    transactionId?: string,
    origin?: string,
  ) {
    return this.frontend<{ nonce: string }>(
      '/register/transactions/webauthn/finish',
      {
        handshake_id: handshakeId,
        handshake_response: response,
        ...(transactionId ? { transaction_id: transactionId } : {}),
      },
      origin,
    );
  }

  async startAuthentication(transactionId?: string) {
    const r = await this.frontend<Handshake>(
      '/authenticate/transactions/webauthn/start',
      transactionId ? { transaction_id: transactionId } : {},
    );
    if (r.status !== 200)
      throw new Error(`authenticate start: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  finishAuthentication(
    handshakeId: string,
    response: unknown,
    transactionId?: string,
    origin?: string,
  ) {
    return this.frontend<{ nonce: string }>(
      '/authenticate/transactions/webauthn/finish',
      {
        handshake_id: handshakeId,
        handshake_response: response,
        ...(transactionId ? { transaction_id: transactionId } : {}),
      },
      origin,
    );
  }

  verifyNonce(nonce: string) {
    return this.backend<{ external_id: string }>('POST', '/authenticate/verify', { nonce });
  }

  /** Register → nonce, the whole browser half. Returns the finish response. */
  async register(device: AuthenticatorLike, externalId: string, ctx: Record<string, unknown> = {}) {
    const tx = await this.createRegisterTransaction(externalId);
    const start = await this.startRegistration(tx);
    const response = device.createCredential(start.handshake.challenge.publicKey, {
      origin: this.origin,
      ...ctx,
    });
    return this.finishRegistration(start.handshake.id, response, tx);
  }

  /** Sign in with a transaction for `externalId`, or discoverable when it is undefined. */
  async authenticate(
    device: AuthenticatorLike,
    externalId?: string,
    ctx: Record<string, unknown> = {},
  ) {
    const tx =
      externalId === undefined ? undefined : await this.createAuthenticateTransaction(externalId);
    const start = await this.startAuthentication(tx);
    const response = device.getAssertion(start.handshake.challenge.publicKey, {
      origin: this.origin,
      ...ctx,
    });
    return this.finishAuthentication(start.handshake.id, response, tx);
  }
}

export interface Handshake {
  // The options JSON goes straight into an authenticator; typing it loosely keeps this client
  // free of a dependency on any particular authenticator's option types.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handshake: { id: string; challenge: { publicKey: any } };
  transaction_id?: string;
}
