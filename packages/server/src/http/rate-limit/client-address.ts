import { isIPv6 } from 'node:net';

/**
 * The address a limit is charged to. IPv4 addresses as they are; IPv6 addresses by their /64,
 * because one subscriber usually holds a whole /64 (RFC 6177) and could otherwise rotate through
 * 2^64 addresses, each with a fresh budget. IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 address.
 */
export function clientAddress(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
