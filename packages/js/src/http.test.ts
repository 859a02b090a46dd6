import { afterEach, describe, expect, it, vi } from 'vitest';
import { fromErrorResponse, postJson } from './http.js';
import { SDK_VERSION } from './version.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('fromErrorResponse', () => {
  it('passes the server code, status and message through', () => {
    const err = fromErrorResponse(
      404,
      '{"code":"transaction_not_found","error":"Transaction not found."}',
    );
    expect(err).toMatchObject({
      code: 'transaction_not_found',
      status: 404,
      message: 'Transaction not found.',
    });
  });

  it('passes through a code this SDK has never heard of', () => {
    expect(fromErrorResponse(418, '{"code":"brewing_coffee","error":"no"}')).toMatchObject({
      code: 'brewing_coffee',
      status: 418,
    });
  });

  it('reports a body without a code, or not JSON at all, as http_error with the status', () => {
    expect(fromErrorResponse(502, '<html>Bad Gateway</html>')).toMatchObject({
      code: 'http_error',
      status: 502,
      message: expect.stringContaining('Bad Gateway'),
    });
    expect(fromErrorResponse(500, '{"error":"oops"}')).toMatchObject({
      code: 'http_error',
      status: 500,
      message: 'oops',
    });
    expect(fromErrorResponse(503, '')).toMatchObject({ code: 'http_error', status: 503 });
  });
});

describe('server errors as passage-flex-js reports them', () => {
  it('carry statusCode = the HTTP status and statusText = the reason phrase', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(
        async () =>
          new Response('{"code":"transaction_consumed","error":"Used."}', {
            status: 410,
            statusText: 'Gone',
          }),
      ),
    );
    await expect(postJson('https://auth.example/v1/x', {})).rejects.toMatchObject({
      name: 'PassageError',
      code: 'transaction_consumed',
      status: 410,
      statusCode: 410,
      statusText: 'Gone',
      message: 'Used.',
    });
  });

  it('have no statusCode for a network failure, where passage-flex-js threw a FetchError', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        throw new TypeError('Failed to fetch');
      }),
    );
    await expect(postJson('https://auth.example/v1/x', {})).rejects.toMatchObject({
      code: 'network_error',
      statusCode: undefined,
      statusText: '',
    });
  });
});

describe('postJson', () => {
  it('sends the request passage-flex-js sends: POST, JSON body, its version header, no cookies', async () => {
    const fetch = vi.fn(async () => new Response('{"ok":true}', { status: 200 }));
    vi.stubGlobal('fetch', fetch);
    await expect(postJson('https://auth.example/v1/x', { a: 1, b: undefined })).resolves.toEqual({
      ok: true,
    });
    expect(fetch).toHaveBeenCalledWith('https://auth.example/v1/x', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Passage-Flex-Version': SDK_VERSION },
      body: '{"a":1}',
      credentials: 'omit',
      signal: undefined,
    });
  });

  it('accepts any 2xx and parses it whatever the Content-Type says', async () => {
    vi.stubGlobal(
      'fetch',
      async () =>
        new Response('{"nonce":"n"}', { status: 201, headers: { 'Content-Type': 'text/plain' } }),
    );
    await expect(postJson('https://a.example/v1/x', {})).resolves.toEqual({ nonce: 'n' });
  });

  it('turns a rejected fetch (offline, CORS) into network_error', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    await expect(postJson('https://a.example/v1/x', {})).rejects.toMatchObject({
      code: 'network_error',
      status: undefined,
      cause: expect.any(TypeError),
    });
  });

  it('turns a fetch rejected by an abort into aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    vi.stubGlobal('fetch', async () => {
      throw new DOMException('aborted', 'AbortError');
    });
    await expect(postJson('https://a.example/v1/x', {}, controller.signal)).rejects.toMatchObject({
      code: 'aborted',
    });
  });

  it('throws the server error with its code and status', async () => {
    vi.stubGlobal(
      'fetch',
      async () => new Response('{"code":"rate_limited","error":"Slow down."}', { status: 429 }),
    );
    await expect(postJson('https://a.example/v1/x', {})).rejects.toMatchObject({
      code: 'rate_limited',
      status: 429,
    });
  });

  it('reports a 2xx that is not JSON as invalid_server_response', async () => {
    vi.stubGlobal('fetch', async () => new Response('<html>', { status: 200 }));
    await expect(postJson('https://a.example/v1/x', {})).rejects.toMatchObject({
      code: 'invalid_server_response',
    });
  });
});
