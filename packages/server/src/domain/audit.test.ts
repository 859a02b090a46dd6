import { describe, expect, it } from 'vitest';
import { consoleActor, tokenActor, withoutSecrets } from './audit.js';

describe('withoutSecrets', () => {
  it('drops secret-like fields at any depth and keeps the rest', () => {
    expect(
      withoutSecrets({
        name: 'Shop',
        token: 't',
        admin_token: 't',
        secret: 's',
        signing_secret: 's',
        api_key: 'k',
        apiKey: 'k',
        key: 'k',
        private_key: 'k',
        password: 'p',
        nested: { list: [{ secret: 's', url: 'https://hooks.example/a' }] },
        key_id: 'key_1',
        event_types: ['passkey.registered'],
      }),
    ).toEqual({
      name: 'Shop',
      nested: { list: [{ url: 'https://hooks.example/a' }] },
      key_id: 'key_1',
      event_types: ['passkey.registered'],
    });
  });

  it('drops values shaped like an API key or a webhook secret, whatever their field', () => {
    const apiKey = `pkd_abcdEFGH_${'x'.repeat(43)}`;
    expect(
      withoutSecrets({
        name: apiKey,
        description: 'whsec_AAAA',
        origins: [apiKey, 'https://a.example'],
      }),
    ).toEqual({ origins: ['https://a.example'] });
  });

  it('keeps a URL without its password and query values', () => {
    expect(
      withoutSecrets({
        url: 'https://bot:hunter2@hooks.example/in?token=abc&token=def&team=x',
        origins: ['https://shop.example'],
      }),
    ).toEqual({
      url: 'https://bot:redacted@hooks.example/in?token=redacted&team=redacted',
      origins: ['https://shop.example'],
    });
  });

  it('leaves scalars and null as they are', () => {
    expect(withoutSecrets(null)).toBeNull();
    expect(withoutSecrets(3)).toBe(3);
  });
});

describe('actor ids', () => {
  it('are prefixes of a fingerprint or hash, never longer than 16 characters after the kind', () => {
    expect(tokenActor('A'.repeat(43))).toBe(`token:${'A'.repeat(16)}`);
    expect(consoleActor('b'.repeat(43))).toBe(`console:${'b'.repeat(16)}`);
  });
});
