import { execFile, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pinned } from './proc.mjs';

/** The working tree's `passkeyd`; a baseline build passes its own (bench/lib/baseline.mjs). */
export const BIN = fileURLToPath(
  new URL('../../packages/server/bin/passkeyd.mjs', import.meta.url),
);
const execFileP = promisify(execFile);

/** Always passed: every passkeyd revision has read these. */
const CORE_SETTINGS = new Set(['HOST', 'PORT', 'DATABASE_URL', 'LOG_LEVEL']);
const settingsCache = new Map();

/**
 * The settings a `passkeyd` binary reads, from the table `passkeyd serve --help` prints (one
 * `NAME  doc` line each); null when it prints none. A baseline revision may predate a setting
 * the benchmark uses: handing it over would be ignored at best and refused at worst, so
 * startServer drops what the binary does not list and says so.
 */
export async function knownSettings(bin = BIN) {
  if (!settingsCache.has(bin)) {
    let names = null;
    try {
      const { stdout, stderr } = await execFileP(process.execPath, [bin, 'serve', '--help'], {
        env: serverEnv(undefined),
        timeout: 30_000,
      });
      const found = [...`${stdout}\n${stderr}`.matchAll(/^\s+([A-Z][A-Z0-9_]{2,})\s/gm)].map(
        (m) => m[1],
      );
      if (found.length) names = new Set(found);
    } catch {
      names = null;
    }
    settingsCache.set(bin, names);
  }
  return settingsCache.get(bin);
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** The environment every benchmarked process gets: loopback, quiet logs, no inherited PASSKEYD_*. */
export function serverEnv(databaseUrl, extra = {}) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('PASSKEYD_')) delete env[k];
  return {
    ...env,
    HOST: '127.0.0.1',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

/**
 * `passkeyd app create … --json` against the database, through the real CLI of `bin` (the
 * baseline's own, so its own migrations make the schema). The JSON's field names are read
 * leniently (`app_id` / `appId` / `app.id`), in case a revision spelled them otherwise.
 */
export async function createBenchApp(databaseUrl, extraArgs = [], { bin = BIN } = {}) {
  const args = [
    bin,
    'app',
    'create',
    '--name',
    'bench',
    '--rp-id',
    'localhost',
    '--origin',
    'http://localhost:3000',
    '--json',
    ...extraArgs,
  ];
  const { stdout } = await execFileP(process.execPath, args, { env: serverEnv(databaseUrl) });
  const out = JSON.parse(stdout);
  const appId = out.app_id ?? out.appId ?? out.app?.id;
  const apiKey = out.api_key ?? out.apiKey ?? out.key?.secret;
  if (!appId || !apiKey) throw new Error(`app create printed no app id or API key: ${stdout}`);
  return { appId, apiKey };
}

/** Resolves once something accepts TCP connections on host:port (or rejects after `ms`). */
function waitForPort(host, port, ms, stopped) {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (stopped()) return;
      const s = connect({ host, port });
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on ${host}:${port}`));
        else setTimeout(attempt, 100);
      });
    };
    attempt();
  });
}

/**
 * Starts `passkeyd serve` (or `script`) as a child process pinned to `cpu`, and resolves once
 * it listens. `cpuProfDir` runs it under `node --cpu-prof`; the profile is written when it stops.
 * `bin` is another revision's `passkeyd` (a baseline): settings it does not list in its
 * `serve --help` are not passed, and `adaptations` on the result says which were dropped.
 */
export async function startServer({ databaseUrl, env = {}, cpu, cpuProfDir, script, bin = BIN }) {
  const port = await freePort();
  const adaptations = [];
  let settings = { PASSKEYD_RATE_LIMIT_MAX: '0', ...env };
  if (!script && bin !== BIN) {
    const known = await knownSettings(bin);
    if (known) {
      const kept = {};
      for (const [k, v] of Object.entries(settings)) {
        if (CORE_SETTINGS.has(k) || known.has(k)) kept[k] = v;
        else adaptations.push(`${k}=${v} not passed: this revision does not read it`);
      }
      settings = kept;
    } else adaptations.push('its serve --help lists no settings: every setting passed as is');
  }
  const nodeArgs = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [];
  const command = [
    ...pinned(cpu),
    process.execPath,
    ...nodeArgs,
    ...(script ? [script] : [bin, 'serve']),
  ];
  const child = spawn(command[0], command.slice(1), {
    env: serverEnv(databaseUrl, { PORT: String(port), ...settings }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const onData = (d) => {
    log += d;
    if (log.length > 2_000_000) log = log.slice(-1_000_000);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

  // Ready when it says so ("listening on URL", on stdout or stderr), or, for a revision that
  // words it otherwise, once its port accepts connections: whichever comes first.
  let done = false;
  const url = await new Promise((resolve, reject) => {
    const finish = (f, x) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      f(x);
    };
    const timer = setTimeout(
      () => finish(reject, new Error(`passkeyd did not start within 30 s:\n${log}`)),
      30_000,
    );
    const check = () => {
      const m = /listening on (http:\/\/[^\s)]+)/.exec(log);
      if (m) finish(resolve, m[1]);
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    waitForPort('127.0.0.1', port, 30_000, () => done).then(
      () => finish(resolve, `http://127.0.0.1:${port}`),
      () => {},
    );
    exited.then(({ code, signal }) =>
      finish(reject, new Error(`passkeyd exited (${code ?? signal}) before listening:\n${log}`)),
    );
  });

  return {
    pid: child.pid,
    url,
    adaptations,
    log: () => log,
    /** SIGTERM (graceful: drains, closes the database, writes a CPU profile), then waits. */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const r = await exited;
      clearTimeout(timer);
      return r;
    },
  };
}
