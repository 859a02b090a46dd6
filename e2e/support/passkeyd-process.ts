import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * Real `passkeyd serve` processes for suites that need several nodes, a crash or a restart
 * (multi-node.test.ts, webhooks.test.ts), and the browser half of a ceremony as passage-flex-js
 * sends it, against any of them.
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const serverPkg = join(repoRoot, 'packages/server');
/** The compiled CLI, as `npx passkeyd` runs it. */
export const PASSKEYD_CLI = join(serverPkg, 'bin/passkeyd.mjs');
/** The origin the e2e apps are created with. */
export const E2E_ORIGIN = 'http://localhost:3000';

/** `passkeyd serve` runs the compiled CLI; rebuild it when the sources are newer. */
export function buildServerIfStale(): void {
  const built = join(serverPkg, 'dist/cli/main.js');
  const newest = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((max, e) => {
      const p = join(dir, e.name);
      if (e.isDirectory()) return Math.max(max, newest(p));
      return /\.(test|contract)\.ts$/.test(e.name) ? max : Math.max(max, statSync(p).mtimeMs);
    }, 0);
  if (existsSync(built) && statSync(built).mtimeMs >= newest(join(serverPkg, 'src'))) return;
  execFileSync('npm', ['run', 'build', '--silent', '-w', '@passkeyd/server'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
}

/**
 * `passkeyd app create … --json` as an operator runs it, against the database in `env`: the new
 * app's id and its first API key. `extra`: more flags (`--transaction-ttl 10`).
 */
export async function createAppWithCli(
  env: NodeJS.ProcessEnv,
  app: { name: string; rpId?: string; origin?: string; extra?: string[] },
): Promise<{ appId: string; apiKey: string }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      PASSKEYD_CLI,
      'app',
      'create',
      '--name',
      app.name,
      '--rp-id',
      app.rpId ?? 'localhost',
      '--origin',
      app.origin ?? E2E_ORIGIN,
      ...(app.extra ?? []),
      '--json',
    ],
    { env },
  );
  const created = JSON.parse(stdout) as { app_id: string; api_key: string };
  return { appId: created.app_id, apiKey: created.api_key };
}

export interface PasskeydNode {
  name: string;
  url: string;
  process: ChildProcess;
  output: () => string;
}

/** Starts `passkeyd serve` on a free port and resolves once it says where it listens. */
export function startNode(name: string, env: NodeJS.ProcessEnv): Promise<PasskeydNode> {
  const child = spawn(process.execPath, [PASSKEYD_CLI, 'serve'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => (output += chunk.toString());
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${name} did not start:\n${output}`));
      // Generous: on a loaded CI machine a cold start (module loading, migrations) takes 15 s.
    }, 60_000);
    child.once('exit', (code) => reject(new Error(`node ${name} exited with ${code}:\n${output}`)));
    child.stderr!.on('data', () => {
      const m = /passkeyd listening on (http:\/\/\S+)/.exec(output);
      if (!m) return;
      clearTimeout(timer);
      resolve({ name, url: m[1]!, process: child, output: () => output });
    });
  });
}

/** SIGTERM drains and exits; a node that hangs on shutdown is killed so the suite can clean up. */
export async function stopNode(node: PasskeydNode): Promise<void> {
  if (node.process.exitCode !== null || node.process.signalCode !== null) return;
  const exited = new Promise((r) => node.process.once('exit', r));
  node.process.kill('SIGTERM');
  const timer = setTimeout(() => node.process.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** kill -9: no drain, no shutdown hook, as a crash or an OOM kill. */
export async function killNode(node: PasskeydNode): Promise<void> {
  if (node.process.exitCode !== null || node.process.signalCode !== null) return;
  const exited = new Promise((r) => node.process.once('exit', r));
  node.process.kill('SIGKILL');
  await exited;
}

export interface WireBody {
  code?: string;
  nonce?: string;
  handshake?: { id: string; challenge: { publicKey: never } };
}

/** The browser's side of the auth API, as passage-flex-js sends it (passage-wire.md §2.2). */
export async function frontend(
  node: PasskeydNode,
  appId: string,
  path: string,
  body: object,
): Promise<{ status: number; body: WireBody }> {
  const r = await fetch(`${node.url}/v1/apps/${appId}/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: E2E_ORIGIN },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as WireBody };
}

async function expectOk(
  node: PasskeydNode,
  appId: string,
  path: string,
  body: object,
): Promise<WireBody> {
  const r = await frontend(node, appId, path, body);
  if (r.status !== 200)
    throw new Error(`node ${node.name}: POST ${path} -> ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** F1 or F3 on `node`: the handshake id and the options for the authenticator. */
export async function start(
  node: PasskeydNode,
  appId: string,
  ceremony: 'register' | 'authenticate',
  body: object,
) {
  const { handshake } = await expectOk(
    node,
    appId,
    `${ceremony}/transactions/webauthn/start`,
    body,
  );
  return { handshakeId: handshake!.id, publicKey: handshake!.challenge.publicKey };
}

/** F2 or F4 on `node`: the nonce. */
export async function finish(
  node: PasskeydNode,
  appId: string,
  ceremony: 'register' | 'authenticate',
  body: object,
): Promise<string> {
  return (await expectOk(node, appId, `${ceremony}/transactions/webauthn/finish`, body)).nonce!;
}
