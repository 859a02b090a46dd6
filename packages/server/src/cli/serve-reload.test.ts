import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest, type ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CONSOLE_COOKIE } from '../http/routes/console.js';

/**
 * Issue 16, item 5: a real `passkeyd serve` process rotates its admin and metrics tokens and
 * its log level on SIGHUP, through PASSKEYD_CONFIG_FILE, without dropping a connection.
 */

const BIN = fileURLToPath(new URL('../../bin/passkeyd.mjs', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), 'passkeyd-sighup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OLD_ADMIN = 'old-admin-token-0123456789abcdef0123456789';
const NEW_ADMIN = 'new-admin-token-0123456789abcdef0123456789';
const OLD_METRICS = 'old-metrics-token-0123456789abcdef01234567';
const NEW_METRICS = 'new-metrics-token-0123456789abcdef01234567';

interface Reply {
  status: number;
  body: string;
  reusedSocket: boolean;
  cookie: string | undefined;
}

function send(
  base: URL,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string; agent?: Agent } = {},
): { req: ClientRequest; done: Promise<Reply> } {
  const req = httpRequest({
    host: base.hostname,
    port: base.port,
    method,
    path,
    agent: opts.agent ?? false,
    headers: { origin: base.origin, ...opts.headers },
  });
  const done = new Promise<Reply>((resolve, reject) => {
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body,
          reusedSocket: req.reusedSocket,
          cookie: new RegExp(`${CONSOLE_COOKIE}=([^;]+)`).exec(
            String(res.headers['set-cookie'] ?? ''),
          )?.[1],
        }),
      );
    });
  });
  if (opts.body !== undefined) req.end(opts.body);
  else if (method === 'GET') req.end();
  return { req, done };
}

const call = (base: URL, method: string, path: string, opts: Parameters<typeof send>[3] = {}) =>
  send(base, method, path, opts).done;

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function until(
  what: string,
  child: ChildProcess,
  check: () => boolean,
  ms = 10_000,
): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    if (check()) return;
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`passkeyd ended (${child.signalCode ?? child.exitCode}) before ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('passkeyd serve: SIGHUP', () => {
  it('rotates the admin and metrics tokens and the log level without dropping a connection', async () => {
    expect(built, 'packages/server/dist is missing: run `npm run build` first').toBe(true);
    const configFile = join(dir, 'passkeyd.json');
    const writeConfig = (settings: Record<string, string>) =>
      writeFileSync(configFile, JSON.stringify(settings));
    writeConfig({
      PASSKEYD_ADMIN_TOKENS: OLD_ADMIN,
      PASSKEYD_METRICS_TOKEN: OLD_METRICS,
      LOG_LEVEL: 'warn',
    });
    // Only the settings of this test: none from the shell running it.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => !k.startsWith('PASSKEYD_') && k !== 'LOG_LEVEL' && k !== 'DATABASE_URL',
      ),
    );
    const child: ChildProcess = spawn(process.execPath, [BIN, 'serve'], {
      env: {
        ...env,
        DATABASE_URL: `sqlite:${join(dir, 'passkeyd.db')}`,
        HOST: '127.0.0.1',
        PORT: '0',
        PASSKEYD_PURGE_INTERVAL_SECONDS: '0',
        PASSKEYD_CONFIG_FILE: configFile,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (log += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const logLines = () =>
      log
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { level: number; msg: string; [k: string]: unknown });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await until(
        'the server to listen',
        child,
        () => /listening on (http:\S+)/.test(stderr),
        60_000,
      );
      const base = new URL(/listening on (http:\S+)/.exec(stderr)![1]!);

      // Before: the old tokens work, a console session is opened with the old admin token.
      const signIn = await call(base, 'POST', '/console/session', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: OLD_ADMIN }),
      });
      expect(signIn.status).toBe(201);
      const oldCookie = { cookie: `${CONSOLE_COOKIE}=${signIn.cookie!}` };
      expect((await call(base, 'GET', '/v1/admin/apps', { headers: oldCookie })).status).toBe(200);
      expect((await call(base, 'GET', '/metrics', { headers: bearer(OLD_METRICS) })).status).toBe(
        200,
      );
      const kept = await call(base, 'GET', '/v1/admin/apps', {
        headers: bearer(OLD_ADMIN),
        agent,
      });
      expect(kept.status).toBe(200);
      // LOG_LEVEL=warn: requests are not logged.
      expect(logLines().some((l) => l.msg === 'incoming request')).toBe(false);

      // A request in flight across the reload: authenticated by the old token, body not sent.
      const body = JSON.stringify({
        name: 'Started before',
        rp_id: 'shop.example',
        origins: ['https://shop.example'],
      });
      const slow = send(base, 'POST', '/v1/admin/apps', {
        headers: {
          ...bearer(OLD_ADMIN),
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
        },
      });
      slow.done.catch(() => undefined); // awaited below; a reset must not go unhandled first
      slow.req.write(body.slice(0, 10));
      // Time for the server to read the headers and run the auth hook (generous: CI is busy).
      await new Promise((r) => setTimeout(r, 1000));

      writeConfig({
        PASSKEYD_ADMIN_TOKENS: NEW_ADMIN,
        PASSKEYD_METRICS_TOKENS: NEW_METRICS,
        LOG_LEVEL: 'info',
        PASSKEYD_RATE_LIMIT_MAX: '100',
      });
      process.kill(child.pid!, 'SIGHUP');
      await until('the reload', child, () => logLines().some((l) => /reloaded/.test(l.msg)));
      expect(child.exitCode).toBeNull();
      const reloaded = logLines().find((l) => /reloaded/.test(l.msg))!;
      expect(reloaded).toMatchObject({
        level: 30,
        admin_tokens: { added: 1, removed: 1, total: 1 },
        metrics_tokens: { added: 1, removed: 1, total: 1 },
        log_level: 'info',
      });
      // No token in the log, not even the new one.
      expect(log).not.toContain(NEW_ADMIN);
      expect(log).not.toContain(OLD_ADMIN);
      // Settings a reload cannot apply are named, not silently ignored.
      expect(logLines().find((l) => /need a restart/.test(l.msg))).toMatchObject({
        level: 40,
        settings: ['PASSKEYD_RATE_LIMIT_MAX'],
      });

      // The request in flight finishes.
      slow.req.end(body.slice(10));
      expect((await slow.done).status).toBe(201);

      // The kept-alive connection carries on with the new tokens.
      const again = await call(base, 'GET', '/v1/admin/apps', {
        headers: bearer(NEW_ADMIN),
        agent,
      });
      expect(again).toMatchObject({ status: 200, reusedSocket: true });
      expect(JSON.parse(again.body).apps.map((a: { name: string }) => a.name)).toContain(
        'Started before',
      );

      // After: old tokens and the session they opened are refused, the new ones accepted.
      const old = await call(base, 'GET', '/v1/admin/apps', { headers: bearer(OLD_ADMIN) });
      expect(old.status).toBe(401);
      expect(JSON.parse(old.body).code).toBe('invalid_admin_token');
      const oldSession = await call(base, 'GET', '/v1/admin/apps', { headers: oldCookie });
      expect(oldSession.status).toBe(401);
      expect(JSON.parse(oldSession.body).code).toBe('console_session_expired');
      expect((await call(base, 'GET', '/metrics', { headers: bearer(OLD_METRICS) })).status).toBe(
        401,
      );
      expect((await call(base, 'GET', '/metrics', { headers: bearer(NEW_METRICS) })).status).toBe(
        200,
      );
      const newSignIn = await call(base, 'POST', '/console/session', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: NEW_ADMIN }),
      });
      expect(newSignIn.status).toBe(201);
      // LOG_LEVEL=info now: requests are logged.
      expect(logLines().some((l) => l.msg === 'incoming request')).toBe(true);

      // A configuration that does not load is refused whole; the running one stays.
      writeConfig({ PASSKEYD_ADMIN_TOKENS: 'too-short', LOG_LEVEL: 'info' });
      process.kill(child.pid!, 'SIGHUP');
      await until('the refused reload', child, () => logLines().some((l) => /failed/.test(l.msg)));
      expect(logLines().find((l) => /failed/.test(l.msg))).toMatchObject({
        level: 50,
        msg: 'configuration reload failed: keeping the current settings',
      });
      expect(child.exitCode).toBeNull();
      expect(
        (await call(base, 'GET', '/v1/admin/apps', { headers: bearer(NEW_ADMIN) })).status,
      ).toBe(200);
    } finally {
      agent.destroy();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    }
  }, 120_000);
});
