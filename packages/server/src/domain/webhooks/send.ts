import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { resolveTarget, TargetRefused, type Lookup } from './target-policy.js';

/** The response body kept on the delivery row: enough to see an error page's first line. */
export const EXCERPT_CHARS = 256;
/** Bytes read from a response before it is dropped: the excerpt needs no more. */
const READ_LIMIT = 4096;

export interface SendResult {
  /** True for a 2xx answer. */
  ok: boolean;
  statusCode: number | null;
  /** From the start of the attempt (lookup included) to the response's status line. */
  latencyMs: number | null;
  error: string | null;
  excerpt: string | null;
}

export type Send = (req: {
  url: string;
  headers: Record<string, string>;
  body: string;
}) => Promise<SendResult>;

/**
 * One POST with node:http(s), not fetch: fetch has no hook to pin the connection to the address
 * checked by resolveTarget, and it follows redirects unless told otherwise. Redirects are never
 * followed here (a 3xx is a failed attempt): a redirect to an internal address would bypass the
 * target check. The timeout covers the whole attempt, DNS lookup and response body included.
 */
export function httpSender(opts: {
  timeoutMs: number;
  allowPrivate: boolean;
  lookup?: Lookup;
  userAgent?: string;
}): Send {
  return async ({ url, headers, body }) => {
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), opts.timeoutMs);
    try {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        return failure(null, null, 'invalid URL');
      }
      const pinned = await Promise.race([
        resolveTarget(target, {
          allowPrivate: opts.allowPrivate,
          ...(opts.lookup ? { lookup: opts.lookup } : {}),
        }),
        new Promise<never>((_, reject) =>
          ac.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }),
        ),
      ]);
      // The connection goes to the checked address whatever the stack asks for; the URL's host
      // still goes in the Host header and, for https, in SNI and the certificate check.
      const lookup: LookupFunction = (_host, o, cb) => {
        if (o.all)
          (cb as (e: null, a: { address: string; family: number }[]) => void)(null, [pinned]);
        else cb(null, pinned.address, pinned.family);
      };
      const payload = Buffer.from(body);
      const mod = target.protocol === 'https:' ? https : http;
      return await new Promise<SendResult>((resolve) => {
        const req = mod.request(
          target,
          {
            method: 'POST',
            lookup,
            signal: ac.signal,
            agent: false,
            headers: {
              'content-type': 'application/json',
              'content-length': String(payload.length),
              'user-agent': opts.userAgent ?? 'passkeyd-webhooks',
              ...headers,
            },
          },
          (res) => {
            const status = res.statusCode ?? 0;
            const latency = ms();
            const chunks: Buffer[] = [];
            let size = 0;
            const done = () => {
              const excerpt = Buffer.concat(chunks).toString('utf8').slice(0, EXCERPT_CHARS);
              const ok = status >= 200 && status < 300;
              resolve({
                ok,
                statusCode: status,
                latencyMs: latency,
                error: ok
                  ? null
                  : status >= 300 && status < 400
                    ? `HTTP ${status}: redirects are not followed`
                    : `HTTP ${status}`,
                excerpt: excerpt === '' ? null : excerpt,
              });
              res.destroy();
            };
            res.on('data', (c: Buffer) => {
              chunks.push(c);
              size += c.length;
              if (size >= READ_LIMIT) done();
            });
            res.on('end', done);
            // A body cut short (timeout, reset) still leaves a status code worth keeping.
            res.on('error', done);
            res.on('aborted', done);
          },
        );
        req.on('error', (err: NodeJS.ErrnoException) =>
          resolve(
            failure(
              null,
              ms(),
              ac.signal.aborted
                ? `timed out after ${opts.timeoutMs} ms`
                : `request failed (${err.code ?? err.message})`,
            ),
          ),
        );
        req.end(payload);
      });
    } catch (err) {
      if (err instanceof TargetRefused) return failure(null, null, `refused: ${err.message}`);
      if (ac.signal.aborted) return failure(null, ms(), `timed out after ${opts.timeoutMs} ms`);
      return failure(null, ms(), `request failed (${(err as Error).message})`);
    } finally {
      clearTimeout(timer);
    }
  };
}

const failure = (
  statusCode: number | null,
  latencyMs: number | null,
  error: string,
): SendResult => ({ ok: false, statusCode, latencyMs, error, excerpt: null });
