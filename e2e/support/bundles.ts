import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
// @ts-expect-error -- a plain .mjs script, shared with the build lock below; no declarations.
import { isStale } from './build-js-if-stale.mjs';

/**
 * The browser bundles the suites load: our built `<script>` bundle (the artifact we ship) and
 * Passage's published SDK, bundled into an IIFE at test time (its npm package has no browser
 * build of its own).
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** Ignored by git (.gitignore: .tmp/). */
export const tmpDir = join(repoRoot, 'e2e/.tmp');

/**
 * The contents of packages/js/dist/index.global.js, building it first when it is missing or
 * older than the SDK's sources, so `npx vitest run e2e/...` works without `npm run build`.
 * Returned as a string, so a rebuild by a parallel test file cannot pull the file from under a page.
 */
export function passkeydSdkBundle(): string {
  if ((isStale as () => boolean)()) {
    // Several test files may get here at once; flock serialises them and the later ones find it fresh.
    execFileSync(
      'flock',
      [join(tmpSubdir('locks'), 'js-build.lock'), 'node', 'e2e/support/build-js-if-stale.mjs'],
      {
        cwd: repoRoot,
        stdio: 'pipe',
      },
    );
  }
  return readFileSync(join(repoRoot, 'packages/js/dist/index.global.js'), 'utf8');
}

let passage: Promise<string> | undefined;

/**
 * @passageidentity/passage-flex-js 1.0.2 as an IIFE exposing `window.PassageFlexJs.PassageFlex`.
 * Written to e2e/.tmp/bundles/ for inspection; served from memory.
 */
export function passageSdkBundle(): Promise<string> {
  passage ??= (async () => {
    const { build } = await import('esbuild');
    const require = createRequire(import.meta.url);
    const result = await build({
      entryPoints: [require.resolve('@passageidentity/passage-flex-js')],
      bundle: true,
      format: 'iife',
      globalName: 'PassageFlexJs',
      platform: 'browser',
      target: 'es2020',
      write: false,
      logLevel: 'silent',
    });
    const text = result.outputFiles[0]!.text;
    writeFileSync(join(tmpSubdir('bundles'), 'passage-flex-js.global.js'), text);
    return text;
  })();
  return passage;
}

function tmpSubdir(name: string): string {
  const dir = join(tmpDir, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
