import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname } from 'node:path';

/**
 * A tiny HTTP server for test pages, on its own localhost port, so the page's origin differs
 * from the passkeyd server's and every API call is a real cross-origin (CORS) request.
 * http://localhost is a secure context, so WebAuthn works without TLS.
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

export interface StaticServer {
  /** e.g. http://localhost:43210 — use it as an allowed origin of the passkeyd app. */
  readonly origin: string;
  readonly port: number;
  /** Serves `body` at `path` (HTML unless `type` says otherwise). */
  page(path: string, body: string, type?: string): string;
  /** Serves a file from disk at `path`, read on every request (so rebuilds are picked up). */
  file(path: string, file: string): string;
  close(): Promise<void>;
}

export async function startStaticServer(options: { port?: number } = {}): Promise<StaticServer> {
  const routes = new Map<string, Entry>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
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
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // 127.0.0.1 rather than "localhost", which Node may bind to ::1 only; Chromium maps
    // localhost to loopback either way.
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://localhost:${port}`;
  return {
    origin,
    port,
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
