import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pinned } from './proc.mjs';

const BIN = fileURLToPath(new URL('../../packages/server/bin/passkeyd.mjs', import.meta.url));
const execFileP = promisify(execFile);

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

/** The environment every benchmarked server gets: loopback, rate limit off, quiet logs. */
export function serverEnv(databaseUrl, extra = {}) {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('PASSKEYD_')) delete env[k];
  return {
    ...env,
    HOST: '127.0.0.1',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    LOG_LEVEL: 'warn',
    PASSKEYD_RATE_LIMIT_MAX: '0',
    ...extra,
  };
}

/** `passkeyd app create … --json` against the database, through the real CLI. */
export async function createBenchApp(databaseUrl, extraArgs = []) {
  const args = [
    BIN,
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
  return { appId: out.app_id, apiKey: out.api_key };
}

/**
 * Starts `passkeyd serve` (or `script`) as a child process pinned to `cpu`, and resolves once
 * it listens. `cpuProfDir` runs it under `node --cpu-prof`; the profile is written when it stops.
 */
export async function startServer({ databaseUrl, env = {}, cpu, cpuProfDir, script }) {
  const port = await freePort();
  const nodeArgs = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [];
  const command = [
    ...pinned(cpu),
    process.execPath,
    ...nodeArgs,
    ...(script ? [script] : [BIN, 'serve']),
  ];
  const child = spawn(command[0], command.slice(1), {
    env: serverEnv(databaseUrl, { PORT: String(port), ...env }),
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

  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`passkeyd did not start within 30 s:\n${log}`)),
      30_000,
    );
    const check = () => {
      const m = /listening on (http:\/\/[^\s)]+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stderr.on('data', check);
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`passkeyd exited (${code ?? signal}) before listening:\n${log}`));
    });
  });

  return {
    pid: child.pid,
    url,
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
