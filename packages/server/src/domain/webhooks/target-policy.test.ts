import { describe, expect, it } from 'vitest';
import { forbiddenAddressKind, resolveTarget, TargetRefused } from './target-policy.js';

describe('webhook target address policy', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fd12:3456::1', 'private (ULA)'],
    ['fc00::1', 'private (ULA)'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['100.127.255.254', 'shared (CGNAT)'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    // IPv4-mapped, -compatible and NAT64 forms of refused IPv4 addresses.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['0:0:0:0:0:ffff:10.0.0.1', 'private'],
    ['::10.0.0.1', 'private'],
    ['64:ff9b::192.168.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
  ])('refuses %s (%s)', (ip, kind) => {
    expect(forbiddenAddressKind(ip)).toBe(kind);
  });

  it.each([
    '93.184.215.14',
    '8.8.8.8',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::8.8.8.8',
  ])('allows the public address %s', (ip) => {
    expect(forbiddenAddressKind(ip)).toBeUndefined();
  });

  it('refuses a host when any address it resolves to is internal, and connects to the checked one', async () => {
    const url = new URL('https://hooks.example.com/in');
    const lookup = async () => [
      { address: '93.184.215.14', family: 4 },
      { address: '10.0.0.7', family: 4 },
    ];
    await expect(resolveTarget(url, { allowPrivate: false, lookup })).rejects.toThrow(
      new TargetRefused('10.0.0.7 is a private address (PASSKEYD_WEBHOOK_ALLOW_PRIVATE is off)'),
    );
    await expect(resolveTarget(url, { allowPrivate: true, lookup })).resolves.toEqual({
      address: '93.184.215.14',
      family: 4,
    });
  });

  it('checks an IP literal without a lookup, IPv6 brackets included', async () => {
    const never = async () => {
      throw new Error('no lookup for a literal');
    };
    await expect(
      resolveTarget(new URL('http://[::ffff:127.0.0.1]:8080/'), {
        allowPrivate: false,
        lookup: never,
      }),
    ).rejects.toThrow(/loopback/);
    await expect(
      resolveTarget(new URL('http://[2606:4700:4700::1111]/'), {
        allowPrivate: false,
        lookup: never,
      }),
    ).resolves.toEqual({ address: '2606:4700:4700::1111', family: 6 });
  });

  it('refuses a scheme other than http and https, and a name that does not resolve', async () => {
    await expect(
      resolveTarget(new URL('ftp://example.com/'), { allowPrivate: true }),
    ).rejects.toBeInstanceOf(TargetRefused);
    const fail = async () => {
      throw Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
    };
    await expect(
      resolveTarget(new URL('https://nowhere.invalid/'), { allowPrivate: true, lookup: fail }),
    ).rejects.toThrow('DNS lookup failed (ENOTFOUND)');
  });
});
