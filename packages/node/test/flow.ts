import type { TestAuthenticator } from '@passkeyd/test-authenticator';

/** The page origin the test apps allow; the authenticator signs it into clientDataJSON. */
export const ORIGIN = 'http://localhost:3000';
export const RP_ID = 'localhost';

/** A failed call to the frontend (auth) API, with what the server said. */
export class FrontendError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    path: string,
  ) {
    super(`POST ${path} → ${status} ${JSON.stringify(body)}`);
  }
}

interface Server {
  baseUrl: string;
}

const root = (server: Server) => server.baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');

/** What passage-flex-js does: POST JSON to the auth API, no credentials (passage-wire.md §2.2). */
export async function frontendPost(
  server: Server,
  appId: string,
  path: string,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const url = `${root(server)}/v1/apps/${encodeURIComponent(appId)}/${path}`;
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'Passage-Flex-Version': '@passageidentity/passage-flex-js 1.0.2',
      Origin: ORIGIN,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const parsed: unknown = text === '' ? undefined : JSON.parse(text);
  if (!response.ok) throw new FrontendError(response.status, parsed, path);
  return parsed as Record<string, unknown>;
}

function handshakeOf(start: Record<string, unknown>) {
  const handshake = start.handshake as { id: string; challenge: { publicKey: never } };
  return { id: handshake.id, publicKey: handshake.challenge.publicKey };
}

/** The browser half of registration (F1, create(), F2); resolves to the nonce. */
export async function registerInBrowser(
  server: Server,
  appId: string,
  authenticator: TestAuthenticator,
  transactionId: string,
  ctx: Record<string, unknown> = {},
): Promise<string> {
  const start = await frontendPost(server, appId, 'register/transactions/webauthn/start', {
    transaction_id: transactionId,
    authenticator_attachment: 'platform',
  });
  const { id, publicKey } = handshakeOf(start);
  const response = authenticator.createCredential(publicKey, { origin: ORIGIN, ...ctx });
  const finish = await frontendPost(server, appId, 'register/transactions/webauthn/finish', {
    handshake_id: id,
    handshake_response: response,
    transaction_id: transactionId,
  });
  return finish.nonce as string;
}

/** The browser half of authentication (F3, get(), F4); resolves to the nonce. */
export async function authenticateInBrowser(
  server: Server,
  appId: string,
  authenticator: TestAuthenticator,
  transactionId: string,
): Promise<string> {
  const start = await frontendPost(server, appId, 'authenticate/transactions/webauthn/start', {
    transaction_id: transactionId,
  });
  const { id, publicKey } = handshakeOf(start);
  const response = authenticator.getAssertion(publicKey, { origin: ORIGIN });
  const finish = await frontendPost(server, appId, 'authenticate/transactions/webauthn/finish', {
    handshake_id: id,
    handshake_response: response,
    transaction_id: transactionId,
  });
  return finish.nonce as string;
}

/** Resolves with the rejection of `promise`, failing if it fulfils. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (err: unknown) => err,
  );
}

let counter = 0;
/** A fresh external ID per test, so tests sharing a server never see each other's users. */
export function newExternalId(label = 'user'): string {
  counter += 1;
  return `${label}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}
