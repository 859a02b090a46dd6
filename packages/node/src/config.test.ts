import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUT_MS, resolveConfig } from './config.js';
import { PassageError } from './passage-error.js';

const valid = {
  appId: 'app_123',
  apiKey: 'pk_secret_abc',
  baseUrl: 'https://passkeys.example.com',
};

function configError(config: unknown): PassageError {
  try {
    resolveConfig(config);
  } catch (err) {
    expect(err).toBeInstanceOf(PassageError);
    return err as PassageError;
  }
  throw new Error('expected resolveConfig to throw');
}

describe('resolveConfig', () => {
  it('appends /v1 to the server root URL', () => {
    expect(resolveConfig(valid).apiRoot).toBe('https://passkeys.example.com/v1');
  });

  it.each([
    ['https://passkeys.example.com/', 'https://passkeys.example.com/v1'],
    ['https://passkeys.example.com/v1', 'https://passkeys.example.com/v1'],
    ['https://passkeys.example.com/v1/', 'https://passkeys.example.com/v1'],
    ['http://localhost:8080', 'http://localhost:8080/v1'],
    ['https://example.com/passkeyd', 'https://example.com/passkeyd/v1'],
    ['https://example.com/passkeyd/v1/', 'https://example.com/passkeyd/v1'],
  ])('tolerates %s as baseUrl', (baseUrl, apiRoot) => {
    expect(resolveConfig({ ...valid, baseUrl }).apiRoot).toBe(apiRoot);
  });

  it('accepts a URL object as baseUrl', () => {
    expect(resolveConfig({ ...valid, baseUrl: new URL('http://127.0.0.1:4000') }).apiRoot).toBe(
      'http://127.0.0.1:4000/v1',
    );
  });

  it('uses a 10 second timeout and one GET retry by default', () => {
    const resolved = resolveConfig(valid);
    expect(resolved.timeoutMs).toBe(DEFAULT_TIMEOUT_MS);
    expect(resolved.getRetries).toBe(1);
  });

  it('names every missing option in one invalid_config error', () => {
    const err = configError({});
    expect(err.errorCode).toBe('invalid_config');
    expect(err.statusCode).toBe(0);
    expect(err.message).toMatch(/appId is required/);
    expect(err.message).toMatch(/apiKey is required/);
    expect(err.message).toMatch(/baseUrl is required/);
  });

  it('rejects a missing options object with an example of the right call', () => {
    expect(configError(undefined).message).toMatch(/new PassageFlex\(\{ appId, apiKey, baseUrl/);
  });

  it.each([
    ['passkeys.example.com', /not an absolute URL/],
    ['ftp://passkeys.example.com', /http or https/],
    ['https://user:pw@passkeys.example.com', /username or password/],
    ['https://passkeys.example.com?x=1', /query string or fragment/],
  ])('rejects the malformed baseUrl %s', (baseUrl, message) => {
    expect(configError({ ...valid, baseUrl }).message).toMatch(message);
  });

  it.each(['app 123', 'app/123', 'app?1', ' app'])('rejects the malformed appId %j', (appId) => {
    expect(configError({ ...valid, appId }).message).toMatch(/appId .* is malformed/);
  });

  it('rejects non-string values by type', () => {
    const err = configError({ appId: 123, apiKey: {}, baseUrl: 8080 });
    expect(err.message).toMatch(/appId must be a string, got number/);
    expect(err.message).toMatch(/apiKey must be a string, got object/);
    expect(err.message).toMatch(/baseUrl must be a string, got number/);
  });

  it('rejects an API key with a stray newline without printing the key', () => {
    const err = configError({ ...valid, apiKey: 'pk_secret_abc\n' });
    expect(err.message).toMatch(/apiKey is malformed/);
    expect(err.message).not.toContain('pk_secret_abc');
  });

  it.each([0, -1, Number.NaN, Infinity, 2 ** 31])('rejects timeoutMs %s', (timeoutMs) => {
    expect(configError({ ...valid, timeoutMs }).message).toMatch(/timeoutMs/);
  });

  it('rejects a fetch option that is not a function', () => {
    expect(configError({ ...valid, fetch: 'nope' }).message).toMatch(/fetch must be a function/);
  });

  it('returns a frozen config', () => {
    expect(Object.isFrozen(resolveConfig(valid))).toBe(true);
  });
});
