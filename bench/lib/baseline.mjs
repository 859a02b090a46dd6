import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);
const BUILD = ['@passkeyd/test-authenticator', '@passkeyd/server', '@passkeyd/js'];

const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));

/** name → directory of every workspace package in a checkout (packages/*, examples/*). */
function workspaces(tree) {
  const out = new Map();
  for (const parent of ['packages', 'examples']) {
    const dir = join(tree, parent);
    if (!existsSync(dir)) continue;
    for (const d of readdirSync(dir)) {
      const pkg = join(dir, d, 'package.json');
      if (existsSync(pkg)) out.set(readJson(pkg).name, join(dir, d));
    }
  }
  return out;
}

/** Top-level installed packages that compile a native addon (they have a binding.gyp). */
function nativePackages(nodeModules) {
  const out = [];
  const visit = (dir, scope = '') => {
    if (!existsSync(dir)) return;
    for (const d of readdirSync(dir)) {
      if (d.startsWith('.')) continue;
      if (d.startsWith('@') && !scope) visit(join(dir, d), `${d}/`);
      else if (existsSync(join(dir, d, 'binding.gyp'))) out.push(`${scope}${d}`);
    }
  };
  visit(nodeModules);
  return out;
}

/**
 * Builds `rev` of this repository in a scratch git worktree outside the repository's tree (a
 * temporary directory): `git worktree add --detach`, its dependencies, then the packages the
 * benchmark runs (test authenticator, server, browser SDK). Returns where its `passkeyd` is and
 * `cleanup()`, which removes the worktree again; `onCleanup` receives it before the worktree is
 * made, so the caller can run it at the end and on Ctrl-C, even one during the build.
 *
 * Dependencies: when the revision's package-lock.json is the working tree's, node_modules is
 * copied (symlinks kept relative, so its workspace links point into the baseline's own
 * packages). Otherwise `npm ci --ignore-scripts` from npm's cache where it can, and then each
 * native addon either gets the working tree's compiled build, when the installed version is the
 * same, or is rebuilt: that is the one install script the benchmark needs, and a rebuild compiles
 * for minutes on two cores.
 */
export async function prepareBaseline({ root, rev, log = () => {}, onCleanup = () => {} }) {
  const t0 = Date.now();
  const git = (...args) => execFileP('git', ['-C', root, ...args], { encoding: 'utf8' });
  const commit = await git('rev-parse', '--verify', '--quiet', `${rev}^{commit}`).then(
    (r) => r.stdout.trim(),
    () => {
      throw Object.assign(new Error(`--baseline ${rev}: no such commit in this repository`), {
        code: 'BENCH_USAGE',
      });
    },
  );
  const dir = mkdtempSync(join(tmpdir(), 'passkeyd-baseline-'));
  const tree = join(dir, 'tree');
  let added = false;
  // The install or build under way, if any: npm finishes what it is doing on SIGINT, which here
  // means writing into a worktree that is being removed. It is ended first.
  let running;
  const cleanup = async () => {
    if (running?.pid)
      try {
        process.kill(-running.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    if (added) await git('worktree', 'remove', '--force', tree).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    await git('worktree', 'prune').catch(() => {});
    added = false;
  };
  // Registered before anything is made, so a Ctrl-C during the build removes it too.
  onCleanup(cleanup);
  const steps = [];
  try {
    log(`baseline: ${rev} (${commit.slice(0, 12)}) in a scratch worktree ${tree} …`);
    await git('worktree', 'add', '--detach', tree, commit);
    added = true;
    const run = async (label, cmd, args) => {
      const s = Date.now();
      log(`baseline: ${label} …`);
      // Its own process group (execFile cannot make one), so ending it ends what it started
      // (npm's scripts, tsc, tsup) and a Ctrl-C reaches it only through cleanup().
      const child = spawn(cmd, args, {
        cwd: tree,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      running = child;
      let output = '';
      const keep = (d) => {
        output = (output + d).slice(-200_000);
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      try {
        const code = await new Promise((resolve, reject) => {
          child.once('error', reject);
          child.once('exit', (c, signal) => resolve(c ?? signal));
        });
        if (code !== 0) throw new Error(`exit ${code}`);
      } catch (e) {
        throw new Error(`baseline ${label} failed (${e.message}):\n${output}`);
      } finally {
        running = undefined;
      }
      steps.push({ step: label, seconds: (Date.now() - s) / 1000 });
      log(`baseline: ${label} took ${((Date.now() - s) / 1000).toFixed(1)} s`);
    };

    const ownLock = join(root, 'package-lock.json');
    const theirLock = join(tree, 'package-lock.json');
    const sameLock =
      existsSync(ownLock) &&
      existsSync(theirLock) &&
      readFileSync(ownLock, 'utf8') === readFileSync(theirLock, 'utf8');
    let install;
    if (sameLock) {
      install = 'node_modules copied from the working tree (identical package-lock.json)';
      const s = Date.now();
      cpSync(join(root, 'node_modules'), join(tree, 'node_modules'), {
        recursive: true,
        verbatimSymlinks: true,
      });
      for (const [, wsDir] of workspaces(tree)) {
        const from = join(root, wsDir.slice(tree.length), 'node_modules');
        if (existsSync(from))
          cpSync(from, join(wsDir, 'node_modules'), { recursive: true, verbatimSymlinks: true });
      }
      steps.push({ step: 'copy node_modules', seconds: (Date.now() - s) / 1000 });
    } else {
      install = 'npm ci --ignore-scripts --prefer-offline (its package-lock.json differs)';
      await run('npm ci', 'npm', [
        'ci',
        '--ignore-scripts',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
      ]);
      for (const name of nativePackages(join(tree, 'node_modules'))) {
        const theirs = join(tree, 'node_modules', name);
        const ours = join(root, 'node_modules', name);
        const sameVersion =
          existsSync(join(ours, 'package.json')) &&
          readJson(join(ours, 'package.json')).version ===
            readJson(join(theirs, 'package.json')).version;
        if (sameVersion && existsSync(join(ours, 'build'))) {
          cpSync(join(ours, 'build'), join(theirs, 'build'), { recursive: true });
          steps.push({ step: `${name}: the working tree's native build (same version)` });
        } else await run(`npm rebuild ${name}`, 'npm', ['rebuild', name]);
      }
    }

    const present = workspaces(tree);
    const build = BUILD.filter((n) => present.has(n));
    if (!present.has('@passkeyd/server'))
      throw new Error(`baseline ${rev} has no @passkeyd/server package`);
    await run(`build ${build.join(', ')}`, 'npm', [
      'run',
      'build',
      '--silent',
      ...build.flatMap((n) => ['-w', n]),
    ]);
    const serverDir = present.get('@passkeyd/server');
    const bin = join(serverDir, 'bin', 'passkeyd.mjs');
    if (!existsSync(bin)) throw new Error(`baseline ${rev} has no ${bin.slice(tree.length)}`);
    const seedModule = join(tree, 'bench', 'lib', 'seed.mjs');
    return {
      rev,
      commit,
      tree,
      bin,
      // Its own seeder, on its own storage layer and schema; a revision without one is seeded
      // with the working tree's (bench/lib/seed-child.mjs says which).
      seedModule: existsSync(seedModule) ? seedModule : null,
      install,
      steps,
      buildSeconds: (Date.now() - t0) / 1000,
      cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
