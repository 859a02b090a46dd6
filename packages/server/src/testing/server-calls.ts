// Test-only HTTP helpers for the admin API and the console, over real HTTP to a TestServer.
// Not exported from @passkeyd/server/testing: they use vitest's expect.
import { expect } from 'vitest';
import { CONSOLE_COOKIE } from '../http/routes/console.js';
import type { TestServer } from './index.js';

export interface ServerCallOptions {
  /** A console session id, sent as the console cookie. */
  cookie?: string;
  /** An admin or metrics token, sent as `Authorization: Bearer`. */
  bearer?: string;
  body?: unknown;
  /** Defaults to the server's own origin, as the console sends it. */
  origin?: string;
}

/** Any request to `server`: JSON bodies parsed, anything else kept as text. */
export async function callServer(
  server: Pick<TestServer, 'baseUrl'>,
  method: string,
  path: string,
  opts: ServerCallOptions = {},
) {
  const headers: Record<string, string> = { origin: opts.origin ?? server.baseUrl };
  if (opts.cookie) headers.cookie = `${CONSOLE_COOKIE}=${opts.cookie}`;
  if (opts.bearer) headers.authorization = `Bearer ${opts.bearer}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.baseUrl}${path}`, {
    method,
    headers,
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read any field
  let body: any = text === '' ? undefined : text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body, setCookie: res.headers.get('set-cookie') };
}

/** Signs in to the console with an admin token; returns the session id from the cookie. */
export async function signInToConsole(
  server: Pick<TestServer, 'baseUrl'>,
  token: string,
): Promise<string> {
  const r = await callServer(server, 'POST', '/console/session', { body: { token } });
  expect(r.status).toBe(201);
  return new RegExp(`${CONSOLE_COOKIE}=([^;]*)`).exec(r.setCookie ?? '')![1]!;
}

/** The admin API of the server's own app (`/v1/admin/apps/<app id><path>`) with its admin token. */
export function adminOfApp(server: Pick<TestServer, 'baseUrl' | 'appId' | 'adminToken'>) {
  return (method: string, path: string, body?: unknown) =>
    callServer(server, method, `/v1/admin/apps/${server.appId}${path}`, {
      bearer: server.adminToken,
      ...(body === undefined ? {} : { body }),
    });
}
