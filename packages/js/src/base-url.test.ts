import { describe, expect, it } from 'vitest';
import { apiRootFromBaseUrl } from './base-url.js';

describe('apiRootFromBaseUrl', () => {
  it.each([
    ['https://auth.example.com', 'https://auth.example.com/v1'],
    ['https://auth.example.com/', 'https://auth.example.com/v1'],
    ['https://auth.example.com/v1', 'https://auth.example.com/v1'],
    ['https://auth.example.com/v1/', 'https://auth.example.com/v1'],
    ['http://localhost:41234', 'http://localhost:41234/v1'],
    ['https://example.com/passkeyd', 'https://example.com/passkeyd/v1'],
    ['https://example.com/passkeyd/v1//', 'https://example.com/passkeyd/v1'],
    ['  https://auth.example.com  ', 'https://auth.example.com/v1'],
  ])('appends /v1 to %j once', (input, expected) => {
    expect(apiRootFromBaseUrl(input)).toBe(expected);
  });

  it('does not treat /v10 or /api/v1x as the version segment', () => {
    expect(apiRootFromBaseUrl('https://a.example/v10')).toBe('https://a.example/v10/v1');
  });

  it('resolves a relative base URL against the page, for a same-origin proxy', () => {
    expect(apiRootFromBaseUrl('/auth', 'https://shop.example/login')).toBe(
      'https://shop.example/auth/v1',
    );
  });

  it.each([undefined, '', '   ', 42])(
    'rejects a missing base URL (%j) with invalid_config',
    (input) => {
      expect(() => apiRootFromBaseUrl(input, undefined)).toThrow(
        expect.objectContaining({ code: 'invalid_config' }),
      );
    },
  );

  it.each([
    'not a url',
    'ftp://auth.example.com',
    'https://auth.example.com/?app=1',
    'https://a.example/#x',
  ])('rejects %j with invalid_config', (input) => {
    expect(() => apiRootFromBaseUrl(input, undefined)).toThrow(
      expect.objectContaining({ name: 'PassageError', code: 'invalid_config' }),
    );
  });
});
