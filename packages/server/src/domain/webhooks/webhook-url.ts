import { BlockList, isIP } from 'node:net';
import { PasskeydError } from '../errors.js';

/** Longest webhook URL accepted: what browsers and most proxies handle without trouble. */
export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * Addresses a webhook must not reach unless PASSKEYD_WEBHOOK_ALLOW_PRIVATE=true: pointing a
 * webhook at them would let whoever manages endpoints probe or hit the server's own network
 * (SSRF). RFC 6890 special-purpose ranges that are local to a host or site.
 */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT, often a cloud's internal network
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, where cloud metadata services live
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv6');

/** Whether an IP literal is loopback, private, link-local or unspecified (IPv4-mapped too). */
export function isPrivateAddress(ip: string): boolean {
  const family = isIP(ip);
  if (family === 4) return PRIVATE.check(ip, 'ipv4');
  if (family !== 6) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
  return PRIVATE.check(ip, 'ipv6');
}

/**
 * Checks a webhook URL at creation and update; returns it in the WHATWG URL's canonical form
 * (so `http://0x7f.1/` is stored, shown and checked as `http://127.0.0.1/`). A host name is not
 * resolved here: it may resolve elsewhere by delivery time, so the dispatcher checks the
 * addresses it connects to; this refuses what is private already on its face.
 */
export function validateWebhookUrl(raw: string, opts: { allowPrivate: boolean }): string {
  const refuse = (why: string) =>
    new PasskeydError('invalid_webhook_url', `Invalid webhook URL: ${why}.`);
  if (typeof raw !== 'string' || raw.trim() === '') throw refuse('it is empty');
  if (raw.length > MAX_WEBHOOK_URL_LENGTH)
    throw refuse(`it is longer than ${MAX_WEBHOOK_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw refuse('it is not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw refuse('it must be http:// or https://');
  // Credentials in a URL end up in logs, proxies and the console; receivers authenticate
  // passkeyd by the signature instead.
  if (url.username !== '' || url.password !== '')
    throw refuse('it must not contain a user name or password');
  if (url.href.length > MAX_WEBHOOK_URL_LENGTH)
    throw refuse(`it is longer than ${MAX_WEBHOOK_URL_LENGTH} characters`);
  if (opts.allowPrivate) return url.href;
  if (url.protocol !== 'https:')
    throw refuse('it must be https:// (http:// only with PASSKEYD_WEBHOOK_ALLOW_PRIVATE=true)');
  const host = url.hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
  // `localhost` and its subdomains always mean this machine (RFC 6761 §6.3).
  if (host === 'localhost' || host.endsWith('.localhost') || isPrivateAddress(host))
    throw refuse(
      'it names a loopback, private or link-local address (allowed only with PASSKEYD_WEBHOOK_ALLOW_PRIVATE=true)',
    );
  return url.href;
}
