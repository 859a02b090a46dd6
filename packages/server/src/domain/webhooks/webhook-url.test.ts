import { describe, expect, it } from 'vitest';
import { isPrivateAddress, validateWebhookUrl } from './webhook-url.js';

const strict = { allowPrivate: false };
const lab = { allowPrivate: true };
const refused = (url: string, opts = strict) =>
  expect(() => validateWebhookUrl(url, opts)).toThrow(
    expect.objectContaining({ code: 'invalid_webhook_url' }),
  );

describe('validateWebhookUrl', () => {
  it('accepts an https URL on a public host and returns its canonical form', () => {
    expect(validateWebhookUrl('https://Hooks.Example.com/a?b=1', strict)).toBe(
      'https://hooks.example.com/a?b=1',
    );
    expect(validateWebhookUrl('https://203.0.113.9:8443/h', strict)).toBe(
      'https://203.0.113.9:8443/h',
    );
  });

  it('refuses what is not an absolute http(s) URL', () => {
    for (const u of [
      '',
      '   ',
      '/relative',
      'hooks.example.com',
      'ftp://example.com/',
      'javascript:alert(1)',
      'file:///etc/passwd',
    ])
      refused(u, lab);
  });

  it('refuses credentials in the URL, even with private addresses allowed', () => {
    refused('https://user:pass@hooks.example.com/');
    refused('https://user@hooks.example.com/', lab);
  });

  it('refuses URLs longer than 2048 characters', () => {
    const path = 'a'.repeat(2048 - 'https://example.com/'.length);
    expect(validateWebhookUrl(`https://example.com/${path}`, strict)).toHaveLength(2048);
    refused(`https://example.com/${path}a`);
  });

  it('requires https unless private targets are allowed', () => {
    refused('http://hooks.example.com/');
    expect(validateWebhookUrl('http://hooks.example.com/', lab)).toBe('http://hooks.example.com/');
  });

  it('refuses loopback, private and link-local IP literals and localhost without the flag', () => {
    for (const host of [
      '127.0.0.1',
      '127.1',
      '0x7f.1',
      '2130706433',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '[::1]',
      '[::]',
      '[fd00::1]',
      '[fe80::1]',
      '[::ffff:127.0.0.1]',
      'localhost',
      'LOCALHOST.',
      'api.localhost',
    ]) {
      refused(`https://${host}/hook`);
      expect(validateWebhookUrl(`http://${host}/hook`, lab)).toMatch(/^http:\/\//);
    }
  });
});

describe('isPrivateAddress', () => {
  it('tells private ranges from public ones', () => {
    expect(isPrivateAddress('172.31.255.255')).toBe(true);
    expect(isPrivateAddress('172.32.0.0')).toBe(false);
    expect(isPrivateAddress('8.8.8.8')).toBe(false);
    expect(isPrivateAddress('2001:db8::1')).toBe(false);
    expect(isPrivateAddress('not an ip')).toBe(false);
  });
});
