import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CeremonyClient } from '@passkeyd/server/testing';
import Database from 'better-sqlite3';
import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * What a user who installs passkeyd from npm gets, rather than a clone: the four public packages
 * are packed (`npm pack`, the same tarballs `npm publish` uploads), installed into an empty
 * folder outside the repository, and `npx passkeyd serve` runs there on a fresh SQLite file.
 * Nothing in that folder can reach the source tree, so the console, the AAGUID table and the
 * migrations must all come from inside the tarballs.
 */

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const run = promisify(execFile);
const ORIGIN = 'http://localhost:3000';
const ADMIN_TOKEN = 'packaging-admin-token-0123456789abcdef';
// Google Password Manager in aaguids.json: its name must come out of the installed table.
const GPM_AAGUID = 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4';
const PACKAGES = ['passkeyd', '@passkeyd/server', '@passkeyd/node', '@passkeyd/js'];

interface PackResult {
  name: string;
  filename: string;
  files: { path: string }[];
}

/**
 * The app folder's package.json as docs/deploy.md ("Install from npm") tells users to write it:
 * allowScripts lets better-sqlite3 install its binary, and the override keeps npm from warning
 * about cookie@2 (engines node >=22, reached only through fastify's test helper) on Node 20,
 * since npm ignores overrides written in a dependency's own package.json.
 */
const APP_PACKAGE = {
  name: 'passkeyd-install-test',
  private: true,
  allowScripts: { 'better-sqlite3': true },
  overrides: {
    'light-my-request': { cookie: '^1.1.1' },
    '@fastify/static': { 'content-disposition': '^2.0.1' },
  },
};

let work: string;
let app: string;
let packs: PackResult[];
let installLog = '';
let installSeconds = 0;
let server: ChildProcess | undefined;
let serverOutput = '';
let baseUrl = '';

/**
 * better-sqlite3's install script fetches a prebuilt binary from GitHub (prebuild-install) and
 * compiles only when that fails. This machine has no internet, so the binary the clone already
 * has is offered as that same prebuilt download, named as prebuild-install looks for it: the
 * install script still runs, and nothing compiles.
 */
async function offerPrebuiltSqlite(dir: string): Promise<void> {
  const pkg = join(repoRoot, 'node_modules/better-sqlite3');
  const { version } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as {
    version: string;
  };
  const prebuilds = join(dir, 'prebuilds');
  mkdirSync(prebuilds);
  const name = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  await run('tar', ['czf', join(prebuilds, name), '-C', pkg, 'build/Release/better_sqlite3.node']);
}

function startServe(env: NodeJS.ProcessEnv): Promise<string> {
  // A process group of its own: npx runs passkeyd as a child and does not pass SIGTERM on, so
  // stopping npx alone left the installed server running after the suite.
  server = spawn('npx', ['--no-install', 'passkeyd', 'serve'], {
    cwd: app,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const collect = (chunk: Buffer) => (serverOutput += chunk.toString());
  server.stdout!.on('data', collect);
  server.stderr!.on('data', collect);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`serve did not start:\n${serverOutput}`)),
      30_000,
    );
    server!.once('exit', (code) =>
      reject(new Error(`serve exited with ${code}:\n${serverOutput}`)),
    );
    const onData = () => {
      const m = /passkeyd listening on (http:\/\/\S+)/.exec(serverOutput);
      if (!m) return;
      clearTimeout(timer);
      resolve(m[1]!);
    };
    server!.stdout!.on('data', onData);
    server!.stderr!.on('data', onData);
  });
}

/** Resolves once nothing accepts connections on the URL's port; rejects after `ms`. */
async function portClosed(url: URL, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const s = connect({ host: url.hostname, port: Number(url.port) });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (!open) return;
    if (Date.now() > deadline)
      throw new Error(`the installed server still listens on ${url.host} after the suite`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the packed packages, installed outside the repository', () => {
  let env: NodeJS.ProcessEnv;
  let appId: string;
  let apiKey: string;

  beforeAll(async () => {
    for (const built of ['packages/server/dist/cli/main.js', 'packages/console/dist/index.html'])
      if (!existsSync(join(repoRoot, built)))
        throw new Error(`${built} is missing: run \`npm run build\` first (npm test does).`);
    work = mkdtempSync(join(tmpdir(), 'passkeyd-pack-'));
    app = join(work, 'app');
    mkdirSync(app);
    const packed = await run(
      'npm',
      ['pack', '--json', '--pack-destination', work, ...PACKAGES.flatMap((p) => ['-w', p])],
      { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 },
    );
    packs = JSON.parse(packed.stdout) as PackResult[];
    writeFileSync(join(app, 'package.json'), `${JSON.stringify(APP_PACKAGE, null, 2)}\n`);
    await offerPrebuiltSqlite(work);
    writeFileSync(join(app, '.prebuild-installrc'), `local-prebuilds=${join(work, 'prebuilds')}\n`);
    const started = Date.now();
    const installed = await run(
      'npm',
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--foreground-scripts',
        '--loglevel=info',
        ...packs.map((p) => join(work, p.filename)),
      ],
      // No npm_* variables of the test runner's own npm (workspace, prefix) may leak in.
      {
        cwd: app,
        maxBuffer: 64 * 1024 * 1024,
        env: Object.fromEntries(
          Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')),
        ),
      },
    ).catch((err: { stdout?: string; stderr?: string }) => {
      throw new Error(`npm install failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
    });
    installSeconds = (Date.now() - started) / 1000;
    installLog = `${installed.stdout}${installed.stderr}`;

    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: `sqlite:${join(work, 'data', 'passkeyd.db')}`,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      PASSKEYD_ADMIN_TOKEN: ADMIN_TOKEN,
    };
    mkdirSync(join(work, 'data'));
    baseUrl = await startServe(env);
    const created = await run(
      'npx',
      [
        '--no-install',
        'passkeyd',
        'app',
        'create',
        '--name',
        'Packed',
        '--rp-id',
        'localhost',
        '--origin',
        ORIGIN,
        '--json',
      ],
      { cwd: app, env },
    );
    ({ app_id: appId, api_key: apiKey } = JSON.parse(created.stdout) as {
      app_id: string;
      api_key: string;
    });
  }, 420_000);

  afterAll(async () => {
    try {
      if (server?.pid !== undefined && server.exitCode === null) {
        const exited = new Promise((r) => server!.once('exit', r));
        process.kill(-server.pid, 'SIGTERM');
        await exited;
      }
      // Nothing of the suite may outlive it: the installed server's port must close.
      if (baseUrl) await portClosed(new URL(baseUrl), 10_000);
    } finally {
      if (work) rmSync(work, { recursive: true, force: true });
    }
  });

  it('packs each package with its metadata, README and no tests', () => {
    expect(packs.map((p) => p.name).sort()).toEqual([...PACKAGES].sort());
    for (const pack of packs) {
      const paths = pack.files.map((f) => f.path);
      expect(paths, pack.name).toContain('README.md');
      expect(
        paths.filter((p) => /\.test\.|\/src\//.test(p)),
        pack.name,
      ).toEqual([]);
      const meta = JSON.parse(
        readFileSync(join(app, 'node_modules', pack.name, 'package.json'), 'utf8'),
      ) as Record<string, unknown>;
      expect(meta.license, pack.name).toBe('Apache-2.0');
      expect(meta.repository, pack.name).toMatchObject({ type: 'git' });
      expect(meta.engines, pack.name).toEqual({ node: expect.stringMatching(/^>=20/) });
      expect(meta.exports, pack.name).toBeTypeOf('object');
      if (pack.name !== 'passkeyd') {
        expect(meta.types, pack.name).toBeTypeOf('string');
        expect(paths, pack.name).toContain(String(meta.types).replace(/^\.\//, ''));
      }
    }
    const server = packs.find((p) => p.name === '@passkeyd/server')!.files.map((f) => f.path);
    expect(server).toContain('dist/console/index.html');
    expect(server).toContain('dist/domain/aaguid/aaguids.json');
    expect(server.some((p) => p.startsWith('dist/console/assets/'))).toBe(true);
    // Installed servers refresh their authenticator names with it (docs/operations.md).
    expect(server).toContain('scripts/update-aaguids.mjs');
  });

  it('installs without an engine warning and without compiling better-sqlite3', () => {
    // Reported in the CI log: the time a user's `npm install` takes with a warm npm cache.
    console.info(`npm install of the packed packages: ${installSeconds.toFixed(1)} s`);
    expect(installLog).not.toMatch(/EBADENGINE/);
    expect(installLog).toMatch(/better-sqlite3@[\d.]+ install/);
    expect(installLog).not.toMatch(/gyp info spawn|node-gyp rebuild --release\n.*gyp/);
    expect(existsSync(join(app, 'node_modules/better-sqlite3/build/Release/obj.target'))).toBe(
      false,
    );
    // The dependency tree is the installed one, not the repository's: no symlink leads back.
    expect(existsSync(join(app, 'node_modules/@passkeyd/server/src'))).toBe(false);
  });

  it('runs the migrations on a fresh SQLite file', async () => {
    const shipped = readdirSync(join(repoRoot, 'packages/server/src/storage/kysely/migrations'))
      .filter((f) => /^\d{3}-.+\.ts$/.test(f) && !f.includes('.test.'))
      .map((f) => f.replace(/\.ts$/, ''));
    const db = new Database(join(work, 'data', 'passkeyd.db'), { readonly: true });
    try {
      const applied = db.prepare('SELECT name FROM kysely_migration ORDER BY name').all();
      expect(applied.map((r) => (r as { name: string }).name)).toEqual(shipped.sort());
    } finally {
      db.close();
    }
    const again = await run('npx', ['--no-install', 'passkeyd', 'migrate', '--json'], {
      cwd: app,
      env,
    });
    expect(JSON.parse(again.stdout)).toEqual({ applied: [] });
  });

  it('serves the packed console at /console and the API reference at /docs', async () => {
    const consolePage = await fetch(`${baseUrl}/console`);
    expect(consolePage.status).toBe(200);
    const html = await consolePage.text();
    const asset = /\/console\/assets\/[^"']+\.js/.exec(html)?.[0];
    expect(asset, html).toBeDefined();
    expect((await fetch(`${baseUrl}${asset}`)).status).toBe(200);
    expect(
      readFileSync(join(app, 'node_modules/@passkeyd/server/dist/console/index.html'), 'utf8'),
    ).toBe(html);

    const docs = await fetch(`${baseUrl}/docs`);
    expect(docs.status).toBeLessThan(400);
    expect(await docs.text()).toMatch(/swagger/i);
    const spec = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as { paths: object };
    expect(Object.keys(spec.paths).length).toBeGreaterThan(10);
  });

  it('runs the demo flow through the installed @passkeyd/node and names the authenticator', async () => {
    // The backend half runs in the install folder, through the packed Node SDK.
    const backend = async (op: string, ...args: string[]): Promise<unknown> => {
      const script = `
        import { PassageFlex } from '@passkeyd/node';
        const [op, ...args] = process.argv.slice(1);
        const flex = new PassageFlex({ appId: process.env.APP_ID, apiKey: process.env.API_KEY, baseUrl: process.env.BASE_URL });
        const ops = {
          register: () => flex.createRegisterTransaction({ externalId: args[0], passkeyDisplayName: args[0] }),
          authenticate: () => flex.createAuthenticateTransaction({ externalId: args[0] }),
          verify: () => flex.verifyNonce(args[0]),
          devices: () => flex.getDevices(args[0]),
        };
        console.log(JSON.stringify(await ops[op]()));`;
      const { stdout } = await run(
        process.execPath,
        ['--input-type=module', '-e', script, op, ...args],
        { cwd: app, env: { ...env, APP_ID: appId, API_KEY: apiKey, BASE_URL: baseUrl } },
      );
      return JSON.parse(stdout);
    };
    // The browser half: the wire calls @passkeyd/js makes, with a software authenticator.
    const browser = new CeremonyClient(baseUrl, appId, apiKey, ORIGIN);
    const device = new TestAuthenticator({ aaguid: GPM_AAGUID });
    const externalId = 'packed-user-1';

    const regTx = (await backend('register', externalId)) as string;
    const regStart = await browser.startRegistration(regTx);
    const credential = device.createCredential(regStart.handshake.challenge.publicKey, {
      origin: ORIGIN,
    });
    const registered = await browser.finishRegistration(regStart.handshake.id, credential, regTx);
    expect(registered.status, JSON.stringify(registered.body)).toBe(200);
    expect(await backend('verify', registered.body.nonce)).toBe(externalId);

    const authTx = (await backend('authenticate', externalId)) as string;
    const authStart = await browser.startAuthentication(authTx);
    const assertion = device.getAssertion(authStart.handshake.challenge.publicKey, {
      origin: ORIGIN,
    });
    const signedIn = await browser.finishAuthentication(authStart.handshake.id, assertion, authTx);
    expect(signedIn.status, JSON.stringify(signedIn.body)).toBe(200);
    expect(await backend('verify', signedIn.body.nonce)).toBe(externalId);

    const devices = (await backend('devices', externalId)) as {
      authenticatorName: string | null;
      aaguid: string;
    }[];
    expect(devices).toEqual([
      expect.objectContaining({ aaguid: GPM_AAGUID, authenticatorName: 'Google Password Manager' }),
    ]);
  });
});
