// `npm start`: passkeyd (embedded SQLite) and the example app, wired together, in one terminal.
// First start: creates .data/ with an admin token, a demo app (CLI `app create`) and the example's
// cookie secret. Later starts reuse them, so users, passkeys and sessions survive restarts.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = join(root, '.data');
const files = {
  adminToken: join(dataDir, 'admin-token'),
  demoApp: join(dataDir, 'demo-app.json'),
  cookieSecret: join(dataDir, 'example-cookie-secret'),
};
const cli = join(root, 'packages/server/bin/passkeyd.mjs');
const exampleMain = join(root, 'examples/express-app/dist/main.js');

const PASSKEYD_PORT = 8787;
const EXAMPLE_PORT = 3000;
const passkeydUrl = `http://localhost:${PASSKEYD_PORT}`;
const exampleUrl = `http://localhost:${EXAMPLE_PORT}`;
const databaseUrl = 'sqlite:./.data/passkeyd.db';

function fail(message) {
  console.error(`\nnpm start: ${message}\n`);
  process.exit(1);
}

/** Secrets are files only their owner can read; mode is set again in case the file pre-existed. */
function writeSecret(path, content) {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Reads a secret file, or creates it with `make()`; says whether it was just created. */
function readOrCreate(path, make) {
  if (existsSync(path)) return { value: readFileSync(path, 'utf8').trim(), created: false };
  const value = make();
  writeSecret(path, `${value}\n`);
  return { value, created: true };
}

async function passkeydCli(args) {
  const { stdout } = await promisify(execFile)(process.execPath, [cli, ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl },
  });
  return stdout;
}

/** The demo app in passkeyd, created on first start (or again if passkeyd's database was deleted). */
async function demoApp() {
  if (existsSync(files.demoApp)) {
    const saved = JSON.parse(readFileSync(files.demoApp, 'utf8'));
    const exists = await passkeydCli(['app', 'show', saved.appId, '--json']).then(
      () => true,
      () => false,
    );
    if (exists) return { ...saved, created: false };
    console.warn(
      `The demo app ${saved.appId} is not in ${databaseUrl} any more; creating a new one.`,
    );
  }
  const created = JSON.parse(
    await passkeydCli([
      'app',
      'create',
      '--name',
      'Demo app',
      '--rp-id',
      'localhost',
      '--origin',
      exampleUrl,
      '--json',
    ]),
  );
  const app = { appId: created.app_id, apiKey: created.api_key };
  writeSecret(files.demoApp, `${JSON.stringify(app, null, 2)}\n`);
  return { ...app, created: true };
}

function portIsFree(port) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

async function waitUntilUp(url, child) {
  for (let i = 0; i < 150 && child.exitCode === null; i++) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

// --- set up .data on first start ---------------------------------------------------------
for (const built of [
  'packages/server/dist/cli/main.js',
  'packages/node/dist/index.js',
  'packages/js/dist/index.global.js',
  'examples/express-app/dist/main.js',
]) {
  if (!existsSync(join(root, built)))
    fail(`${built} is missing. Run: npm run build (npm start does it for you).`);
}
for (const port of [PASSKEYD_PORT, EXAMPLE_PORT]) {
  if (!(await portIsFree(port)))
    fail(`port ${port} is in use. Stop whatever runs there (another npm start?) and try again.`);
}
mkdirSync(dataDir, { recursive: true, mode: 0o700 });
chmodSync(dataDir, 0o700);
const adminToken = readOrCreate(files.adminToken, () => randomBytes(32).toString('base64url'));
const cookieSecret = readOrCreate(files.cookieSecret, () => randomBytes(32).toString('base64url'));
const app = await demoApp().catch((err) =>
  fail(`could not create the demo app: ${err.stderr || err.message}`),
);

// --- run both ------------------------------------------------------------------------------
const children = new Map();
let stopping = false;

function run(name, args, env) {
  // Own process group: Ctrl-C reaches only this script, which then stops each child once.
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const prefix = (stream, out) => {
    let rest = '';
    stream.on('data', (chunk) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop();
      for (const line of lines) out.write(`[${name}] ${line}\n`);
    });
  };
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      console.error(`\n${name} exited (${signal ?? `code ${code}`}); stopping the rest.`);
      stop('SIGTERM', 1);
    } else if (children.size === 0) {
      process.exit(process.exitCode ?? 0);
    }
  });
  children.set(name, child);
  return child;
}

function stop(signal, exitCode = 0) {
  if (stopping) return;
  stopping = true;
  process.exitCode = exitCode;
  if (children.size === 0) process.exit(exitCode);
  for (const child of children.values()) child.kill(signal);
  // A child that ignores the signal does not hold the terminal hostage.
  setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
    process.exit(exitCode || 1);
  }, 10_000).unref();
}

process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('exit', () => {
  for (const child of children.values()) child.kill('SIGKILL');
});

const passkeyd = run('passkeyd', [cli, 'serve'], {
  PORT: String(PASSKEYD_PORT),
  DATABASE_URL: databaseUrl,
  PASSKEYD_ADMIN_TOKEN: adminToken.value,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
});
if (!(await waitUntilUp(`http://127.0.0.1:${PASSKEYD_PORT}/healthz`, passkeyd))) {
  if (!stopping) {
    console.error('passkeyd did not come up within 30 seconds.');
    stop('SIGTERM', 1);
  }
} else {
  const example = run('example', [exampleMain], {
    PORT: String(EXAMPLE_PORT),
    EXAMPLE_DATABASE_PATH: join(dataDir, 'example-app.db'),
    PASSKEYD_URL: passkeydUrl,
    PASSKEYD_APP_ID: app.appId,
    PASSKEYD_API_KEY: app.apiKey,
    COOKIE_SECRET: cookieSecret.value,
  });
  if (await waitUntilUp(`http://127.0.0.1:${EXAMPLE_PORT}/sign-in`, example)) {
    const secret = (value, created, where) => (created ? value : `(stored in ${where})`);
    console.log(
      [
        '',
        'passkeyd and the example app are running. Data lives in .data/ and survives restarts.',
        '',
        `  passkeyd        ${passkeydUrl}`,
        `  API docs        ${passkeydUrl}/docs`,
        `  Admin console   ${passkeydUrl}/console`,
        `  Demo app id     ${app.appId}`,
        `  Demo API key    ${secret(app.apiKey, app.created, '.data/demo-app.json')}`,
        `  Admin token     ${secret(adminToken.value, adminToken.created, '.data/admin-token')}`,
        ...(app.created || adminToken.created
          ? [
              '',
              '  The secrets above are shown once; they are kept in .data/ (readable only by you).',
            ]
          : []),
        '',
        `  Open ${exampleUrl}`,
        '',
        'Press Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
  } else if (!stopping) {
    console.error('The example app did not come up within 30 seconds.');
    stop('SIGTERM', 1);
  }
}
