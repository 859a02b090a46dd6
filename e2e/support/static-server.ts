import { readFile } from 'node:fs/promises';
import {
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { extname } from 'node:path';

/**
 * A tiny HTTP server for test pages, on its own localhost port, so the page's origin differs
 * from the passkeyd server's and every API call is a real cross-origin (CORS) request.
 * http://localhost is a secure context, so WebAuthn works without TLS.
 *
 * With `tls` and `host` it serves HTTPS under a made-up name instead (`https://shop.test:port`;
 * the browser maps the name to 127.0.0.1, see related-origins.test.ts), and `proxy` forwards a
 * path prefix to another server, as an operator's reverse proxy routes a path to passkeyd.
 */

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
};

type Entry = { body: string; type: string } | { file: string; type: string };

/** A request `proxy` forwarded, as the upstream answered it. */
export interface ProxiedRequest {
  method: string;
  /** Path and query as the browser asked for them. */
  url: string;
  /** The Host header the browser sent (forwarded unchanged). */
  host: string;
  status: number;
  /** The response body as text (upstream answers here are small JSON). */
  body: string;
}

export interface StaticServer {
  /** e.g. http://localhost:43210 — use it as an allowed origin of the passkeyd app. */
  readonly origin: string;
  readonly port: number;
  /**
   * Forwards every request under `prefix` (any method) to `target` + the rest of the path,
   * keeping the Host header, so passkeyd sees the name the browser asked for. Returns the
   * proxied URL of `prefix`.
   */
  proxy(prefix: string, target: string): string;
  /** Every request `proxy` forwarded so far, oldest first. */
  readonly proxied: readonly ProxiedRequest[];
  /** Serves `body` at `path` (HTML unless `type` says otherwise). */
  page(path: string, body: string, type?: string): string;
  /** Serves a file from disk at `path`, read on every request (so rebuilds are picked up). */
  file(path: string, file: string): string;
  close(): Promise<void>;
}

export interface StaticServerOptions {
  port?: number;
  /** Serve HTTPS with this key and certificate chain (PEM), e.g. from support/local-tls.ts. */
  tls?: { key: string; cert: string };
  /** The host name in `origin` (default localhost); the browser must resolve it to 127.0.0.1. */
  host?: string;
}

export async function startStaticServer(options: StaticServerOptions = {}): Promise<StaticServer> {
  const routes = new Map<string, Entry>();
  const proxies: Array<{ prefix: string; target: URL }> = [];
  const proxied: ProxiedRequest[] = [];

  const forward = (req: IncomingMessage, res: ServerResponse, target: URL, rest: string) => {
    const upstream = request(
      new URL(rest, target),
      { method: req.method, headers: req.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          proxied.push({
            method: req.method ?? 'GET',
            url: req.url ?? '/',
            host: req.headers.host ?? '',
            status: answer.statusCode ?? 502,
            body: body.toString('utf8'),
          });
          res.writeHead(answer.statusCode ?? 502, answer.headers).end(body);
        });
      },
    );
    upstream.on('error', (err) => {
      res.writeHead(502, { 'Content-Type': 'text/plain' }).end(err.message);
    });
    req.pipe(upstream);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const via = proxies.find(
      (p) => path === p.prefix || path.startsWith(`${p.prefix.replace(/\/$/, '')}/`),
    );
    if (via) {
      const rest = (req.url ?? '/').slice(via.prefix.replace(/\/$/, '').length) || '/';
      forward(req, res, via.target, rest);
      return;
    }
    const entry = routes.get(path);
    if (!entry || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    const send = (body: string | Buffer) =>
      res.writeHead(200, { 'Content-Type': entry.type, 'Cache-Control': 'no-store' }).end(body);
    if ('body' in entry) send(entry.body);
    else
      readFile(entry.file).then(send, (err: Error) => {
        res.writeHead(500, { 'Content-Type': 'text/plain' }).end(err.message);
      });
  };
  const server: Server = options.tls
    ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handle)
    : createServer(handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // 127.0.0.1 rather than "localhost", which Node may bind to ::1 only; Chromium maps
    // localhost to loopback either way.
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `${options.tls ? 'https' : 'http'}://${options.host ?? 'localhost'}:${port}`;
  return {
    origin,
    port,
    proxy(prefix, target) {
      proxies.push({ prefix, target: new URL(target) });
      return `${origin}${prefix}`;
    },
    proxied,
    page(path, body, type = TYPES['.html']!) {
      routes.set(path, { body, type });
      return `${origin}${path}`;
    },
    file(path, file) {
      routes.set(path, { file, type: TYPES[extname(file)] ?? 'application/octet-stream' });
      return `${origin}${path}`;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
