import type { FastifyReply, FastifyRequest } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/index.js';

/**
 * The request log (pino 10, whose redaction engine replaced pino 9's): secrets in headers stay
 * out of it even when an operator's serializers log every header.
 */

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface LogLine {
  level: number;
  msg: string;
  req?: { url: string; headers: Record<string, unknown> };
  res?: { statusCode: number; headers: Record<string, unknown> };
}

describe('the request log', () => {
  it('redacts Authorization, Cookie and Set-Cookie, whatever the serializers include', async () => {
    const lines: string[] = [];
    server = await startTestServer({
      origins: ['http://localhost:3000'],
      logger: {
        level: 'info',
        stream: { write: (line: string) => void lines.push(line) },
        // "Turning on header logging": serializers that keep every header.
        serializers: {
          req: (req: FastifyRequest) => ({ url: req.url, headers: req.headers }),
          res: (reply: Partial<FastifyReply> & Pick<FastifyReply, 'statusCode'>) => ({
            statusCode: reply.statusCode,
            headers: reply.getHeaders?.(),
          }),
        },
      },
    });
    const s = server;
    const apiKey = s.apiKey;
    const devices = await s.server.app.inject({
      method: 'GET',
      url: `/v1/apps/${s.appId}/users`,
      headers: { authorization: `Bearer ${apiKey}`, cookie: 'passkeyd_console=c0ff33-session' },
    });
    expect(devices.statusCode).toBe(200);
    const signIn = await s.server.app.inject({
      method: 'POST',
      url: '/console/session',
      headers: { host: 'localhost', origin: 'http://localhost' },
      payload: { token: s.adminToken },
    });
    expect(signIn.statusCode).toBe(201);
    const sessionCookie = String(signIn.headers['set-cookie']).split(';')[0]!.split('=')[1]!;
    expect(sessionCookie.length).toBeGreaterThan(20);

    const log = lines.join('');
    for (const secret of [apiKey, 'c0ff33-session', sessionCookie, s.adminToken]) {
      expect(log).not.toContain(secret);
    }
    const parsed = lines.map((l) => JSON.parse(l) as LogLine);
    const incoming = parsed.find((l) => l.req?.url === `/v1/apps/${s.appId}/users`);
    expect(incoming?.req?.headers).toMatchObject({
      authorization: '[Redacted]',
      cookie: '[Redacted]',
    });
    const completed = parsed.filter((l) => l.res?.headers?.['set-cookie'] !== undefined);
    expect(completed.length).toBeGreaterThan(0);
    for (const l of completed) expect(l.res!.headers['set-cookie']).toBe('[Redacted]');
    // Still pino's JSON lines: numeric levels and `msg`, which log shippers parse.
    expect(parsed.every((l) => typeof l.level === 'number' && typeof l.msg === 'string')).toBe(
      true,
    );
  });
});
