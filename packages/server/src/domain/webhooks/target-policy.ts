import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may be sent (docs/security.md, "Webhook targets"). A webhook URL is chosen by
 * whoever holds an admin token, and passkeyd then makes requests to it from inside the network it
 * runs in: without this check a URL could reach the metadata service of a cloud VM
 * (169.254.169.254), a database's HTTP port on localhost, or an internal admin page (SSRF). So
 * every address the host resolves to must be public, unless PASSKEYD_WEBHOOK_ALLOW_PRIVATE=true.
 */
const RANGES: [string, number, 'ipv4' | 'ipv6', string][] = [
  ['0.0.0.0', 8, 'ipv4', 'unspecified'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'shared (CGNAT)'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.0.0.0', 24, 'ipv4', 'IETF protocol'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['198.18.0.0', 15, 'ipv4', 'benchmarking'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  // IPv4-compatible (deprecated) and NAT64 forms embed an IPv4 address; handled below.
  ['fc00::', 7, 'ipv6', 'private (ULA)'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['fec0::', 10, 'ipv6', 'site-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];

const lists = RANGES.map(([net, prefix, type, kind]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, type);
  return { list, kind };
});

/** The eight 16-bit groups of a valid IPv6 address (a trailing dotted IPv4 part included). */
function ipv6Groups(ip: string): number[] {
  let text = ip.split('%')[0]!;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const part = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const h = part(head);
  const t = part(tail);
  return tail === undefined ? h : [...h, ...Array<number>(8 - h.length - t.length).fill(0), ...t];
}

/**
 * The IPv4 address an IPv6 one stands for: IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible
 * (::a.b.c.d, deprecated) and NAT64 (64:ff9b::a.b.c.d) reach the IPv4 host on most stacks.
 */
function embeddedIpv4(ip: string): string | undefined {
  const g = ipv6Groups(ip);
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  const mapped = zeros(5) && g[5] === 0xffff;
  const compatible = zeros(6);
  const nat64 = g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0);
  if (!mapped && !compatible && !nat64) return undefined;
  return [g[6]! >> 8, g[6]! & 255, g[7]! >> 8, g[7]! & 255].join('.');
}

/**
 * Why `ip` may not be a webhook target (e.g. `loopback`), or undefined for a public address.
 * IPv4-mapped and other IPv6 forms of a refused IPv4 address are refused too.
 */
export function forbiddenAddressKind(ip: string): string | undefined {
  const family = isIP(ip);
  if (family === 0) return 'not an IP address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const { list, kind } of lists) if (list.check(ip, type)) return kind;
  if (family === 6) {
    const v4 = embeddedIpv4(ip);
    if (v4 && isIP(v4) === 4) {
      const kind = forbiddenAddressKind(v4);
      if (kind) return kind;
    }
  }
  return undefined;
}

export class TargetRefused extends Error {
  override readonly name = 'TargetRefused';
}

export type Lookup = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

const systemLookup: Lookup = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * Resolves the URL's host once and checks every address it has; the request must then connect to
 * the address returned (no second resolution, which a DNS server answering differently the
 * second time could point at a private address: DNS rebinding). Throws TargetRefused.
 */
export async function resolveTarget(
  url: URL,
  opts: { allowPrivate: boolean; lookup?: Lookup },
): Promise<{ address: string; family: 4 | 6 }> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TargetRefused(`scheme ${url.protocol} is not http or https`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const literal = isIP(host);
  const addresses = literal
    ? [{ address: host, family: literal }]
    : await (opts.lookup ?? systemLookup)(host).catch((err: NodeJS.ErrnoException) => {
        throw new TargetRefused(`DNS lookup failed (${err.code ?? 'error'})`);
      });
  if (addresses.length === 0) throw new TargetRefused('DNS lookup returned no address');
  if (!opts.allowPrivate) {
    // Any refused address refuses the host: choosing a public one among them would still let a
    // name that mixes both be used to probe which internal addresses answer.
    for (const a of addresses) {
      const kind = forbiddenAddressKind(a.address);
      if (kind)
        throw new TargetRefused(
          `${a.address} is a ${kind} address (PASSKEYD_WEBHOOK_ALLOW_PRIVATE is off)`,
        );
    }
  }
  const first = addresses[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
