// Builds packages/js when dist/index.global.js is missing or older than any of its inputs.
// bundles.ts runs this under `flock`, so parallel test files build at most once.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const pkg = join(repoRoot, 'packages/js');

export function isStale() {
  let built;
  try {
    built = statSync(join(pkg, 'dist/index.global.js')).mtimeMs;
  } catch {
    return true;
  }
  const inputs = [join(pkg, 'package.json'), join(pkg, 'tsup.config.ts')];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (!entry.name.endsWith('.test.ts')) inputs.push(path);
    }
  };
  walk(join(pkg, 'src'));
  return inputs.some((file) => statSync(file).mtimeMs > built);
}

if (process.argv[1] === fileURLToPath(import.meta.url) && isStale()) {
  execFileSync('npm', ['run', 'build', '--silent', '-w', '@passkeyd/js'], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
}
