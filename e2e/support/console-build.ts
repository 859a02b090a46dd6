import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const consoleDir = join(root, 'packages/console');

/**
 * Builds packages/console when dist/ is missing or older than its sources, under a lock: test
 * files run in parallel. (The same rule as console.test.ts's own copy.)
 */
export function buildConsoleIfStale(): void {
  const newest = (path: string): number => {
    const st = statSync(path);
    if (!st.isDirectory()) return st.mtimeMs;
    return Math.max(0, ...readdirSync(path).map((entry) => newest(join(path, entry))));
  };
  const inputs = ['src', 'public', 'index.html', 'vite.config.ts', 'package.json'].map((p) =>
    newest(join(consoleDir, p)),
  );
  let built = 0;
  try {
    built = statSync(join(consoleDir, 'dist/index.html')).mtimeMs;
  } catch {
    // not built
  }
  if (built >= Math.max(...inputs)) return;
  const locks = join(root, 'e2e/.tmp/locks');
  mkdirSync(locks, { recursive: true });
  execFileSync(
    'flock',
    [
      join(locks, 'console-build.lock'),
      'npm',
      'run',
      'build',
      '--silent',
      '-w',
      '@passkeyd/console',
    ],
    { cwd: root, stdio: 'pipe' },
  );
}
