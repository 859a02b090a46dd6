import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from './config.js';
import { HttpClient, parseRetryAfter } from './http-client.js';
import { PassageError } from './passage-error.js';

// Transport behaviour (timeouts, retries, keep-alive, odd responses) needs a server that
// misbehaves on purpose, so these tests use a bare node:http server. The real passkeyd is
// exercised in test/*.test.ts.

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  socketId: number;
}

let server: Server | undefined;

async function serve(handler: Handler): Promise<{ baseUrl: string; requests: Recorded[] }> {
  const requests: Recorded[] = [];
  const sockets = new WeakMap<object, number>();
  let nextSocket = 0;
  server = createServer((req, res) => {
    if (!sockets.has(req.socket)) sockets.set(req.socket, nextSocket++);
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        socketId: sockets.get(req.socket)!,
      });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, requests };
}

afterEach(async () => {
  const current = server;
  server = undefined;
  if (!current) return;
  current.closeAllConnections();
  await new Promise((resolve) => current.close(resolve));
});

function client(baseUrl: string, extra: Record<string, unknown> = {}): HttpClient {
  return new HttpClient(resolveConfig({ appId: 'app_1', apiKey: 'key_1', baseUrl, ...extra }));
}

function json(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function rejection(promise: Promise<unknown>): Promise<PassageError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PassageError);
  return err as PassageError;
}

const read = (body: unknown) => body;

describe('HttpClient', () => {
  it('sends the API key as a bearer token, and JSON content type only with a body', async () => {
    const { baseUrl, requests } = await serve((_req, res) => json(res, 200, { ok: true }));
    const http = client(baseUrl);
    await http.request({ method: 'GET', path: ['users'], read });
    await http.request({
      method: 'POST',
      path: ['authenticate', 'verify'],
      body: { nonce: 'n' },
      read,
    });

    const [get, post] = requests;
    expect(get).toMatchObject({ method: 'GET', url: '/v1/apps/app_1/users' });
    expect(get!.headers.authorization).toBe('Bearer key_1');
    expect(get!.headers['content-type']).toBeUndefined();
    expect(get!.headers['user-agent']).toMatch(/^passkeyd-node\/\d/);
    expect(post).toMatchObject({
      method: 'POST',
      url: '/v1/apps/app_1/authenticate/verify',
      body: '{"nonce":"n"}',
    });
    expect(post!.headers['content-type']).toBe('application/json');
  });

  it('encodes path segments and query values, so an ID cannot escape its path segment', async () => {
    const { baseUrl, requests } = await serve((_req, res) => json(res, 200, {}));
    await client(baseUrl).request({
      method: 'GET',
      path: ['users', '../../other-app/users'],
      query: [
        ['limit', '1'],
        ['identifier', 'a&b=c d/é'],
      ],
      read,
    });
    expect(requests[0]!.url).toBe(
      '/v1/apps/app_1/users/..%2F..%2Fother-app%2Fusers?limit=1&identifier=a%26b%3Dc%20d%2F%C3%A9',
    );
  });

  it('reuses keep-alive connections instead of opening one per request', async () => {
    const { baseUrl, requests } = await serve((_req, res) => json(res, 200, {}));
    const http = client(baseUrl);
    for (let i = 0; i < 10; i++) await http.request({ method: 'GET', path: [], read });
    // undici's pool may alternate between two sockets; what matters is that they are reused.
    expect(new Set(requests.map((r) => r.socketId)).size).toBeLessThanOrEqual(2);
  });

  it('gives up on a request with no response after timeoutMs', async () => {
    const { baseUrl } = await serve(() => {
      /* never answer */
    });
    const started = Date.now();
    const err = await rejection(
      client(baseUrl, { timeoutMs: 150 }).request({ method: 'POST', path: [], body: {}, read }),
    );
    expect(err).toMatchObject({ statusCode: 0, errorCode: 'timeout' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('counts a stalled response body against the timeout', async () => {
    const { baseUrl } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"transaction_id":');
    });
    const err = await rejection(
      client(baseUrl, { timeoutMs: 150 }).request({ method: 'GET', path: [], read }),
    );
    expect(err.errorCode).toBe('timeout');
  });

  it('retries a GET once after the connection is reset', async () => {
    let calls = 0;
    const { baseUrl, requests } = await serve((req, res) => {
      if (calls++ === 0) req.socket.destroy();
      else json(res, 200, { ok: true });
    });
    await expect(client(baseUrl).request({ method: 'GET', path: [], read })).resolves.toEqual({
      ok: true,
    });
    expect(requests).toHaveLength(2);
  });

  it('never retries a POST, which may already have taken effect', async () => {
    const { baseUrl, requests } = await serve((req) => req.socket.destroy());
    const err = await rejection(
      client(baseUrl, { getRetries: 3 }).request({
        method: 'POST',
        path: [],
        body: { nonce: 'n' },
        read,
      }),
    );
    expect(err).toMatchObject({ statusCode: 0, errorCode: 'network_error' });
    expect(requests).toHaveLength(1);
  });

  it('never retries a DELETE or PATCH', async () => {
    const { baseUrl, requests } = await serve((req) => req.socket.destroy());
    const http = client(baseUrl, { getRetries: 3 });
    await rejection(http.request({ method: 'DELETE', path: [], read }));
    await rejection(http.request({ method: 'PATCH', path: [], body: {}, read }));
    expect(requests.map((r) => r.method)).toEqual(['DELETE', 'PATCH']);
  });

  it('reports an unreachable server as network_error with the cause', async () => {
    const { baseUrl } = await serve(() => {});
    server!.close();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const err = await rejection(
      client(baseUrl, { getRetries: 0 }).request({ method: 'GET', path: [], read }),
    );
    expect(err).toMatchObject({ statusCode: 0, errorCode: 'network_error' });
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(err.cause).toBeDefined();
  });

  it('turns a {code, error} body into a PassageError with that status, code and message', async () => {
    const { baseUrl } = await serve((_req, res) =>
      json(res, 401, { code: 'invalid_access_token', error: 'Invalid access token' }),
    );
    const err = await rejection(client(baseUrl).request({ method: 'GET', path: [], read }));
    expect(err).toMatchObject({
      statusCode: 401,
      errorCode: 'invalid_access_token',
      message: 'Invalid access token',
    });
  });

  it('reads Retry-After on a 429', async () => {
    const { baseUrl } = await serve((_req, res) =>
      json(res, 429, { code: 'rate_limited', error: 'Too many requests' }, { 'retry-after': '7' }),
    );
    const err = await rejection(
      client(baseUrl).request({ method: 'POST', path: [], body: {}, read }),
    );
    expect(err).toMatchObject({ statusCode: 429, errorCode: 'rate_limited', retryAfterSeconds: 7 });
  });

  it('reports a non-JSON error body (a proxy page, a wrong baseUrl) as unexpected_response', async () => {
    const { baseUrl } = await serve((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>Bad Gateway</html>');
    });
    const err = await rejection(client(baseUrl).request({ method: 'GET', path: [], read }));
    expect(err).toMatchObject({ statusCode: 502, errorCode: 'unexpected_response' });
    expect(err.message).toMatch(/Bad Gateway/);
  });

  it('does not follow redirects, and says where it was sent', async () => {
    const { baseUrl, requests } = await serve((_req, res) => {
      res.writeHead(301, { location: 'https://elsewhere.example/v1/apps/app_1' });
      res.end();
    });
    const err = await rejection(
      client(baseUrl).request({ method: 'POST', path: [], body: {}, read }),
    );
    expect(err).toMatchObject({ statusCode: 301, errorCode: 'unexpected_response' });
    expect(err.message).toMatch(/elsewhere\.example/);
    expect(requests).toHaveLength(1);
  });

  it('reports a 2xx body the reader cannot use as unexpected_response', async () => {
    const { baseUrl } = await serve((_req, res) => {
      res.writeHead(200);
      res.end('not json');
    });
    const err = await rejection(client(baseUrl).request({ method: 'GET', path: [], read }));
    expect(err).toMatchObject({ statusCode: 200, errorCode: 'unexpected_response' });
  });

  it('accepts an empty 2xx body where none is expected', async () => {
    const { baseUrl } = await serve((_req, res) => {
      res.writeHead(200);
      res.end();
    });
    await expect(
      client(baseUrl).request({ method: 'DELETE', path: [], read }),
    ).resolves.toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('12', now)).toBe(12);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:30 GMT', now)).toBe(30);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
