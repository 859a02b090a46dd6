import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect, it } from 'vitest';

/**
 * `engines` stays honest: every Node a package.json admits must also be admitted by each locked
 * dependency's own `engines`, or npm prints EBADENGINE at install and the dependency may not run
 * (cookie@2, ESM-only and `node >=22`, did both on Node 20). Checked at the lowest Node each range
 * admits and on Node 24, the LTS CI runs beside 20. The runtime tree (what `npm install passkeyd`
 * brings) is held to the published packages' floor; the whole tree, dev tools included, to the
 * repository's.
 */

const semver = createRequire(import.meta.url)('semver') as {
  minVersion(range: string): { version: string } | null;
  satisfies(version: string, range: string): boolean;
};

interface Locked {
  version?: string;
  dev?: boolean;
  engines?: { node?: string } | string[];
}

const read = (path: string) =>
  JSON.parse(readFileSync(new URL(`../${path}`, import.meta.url), 'utf8')) as {
    engines: { node: string };
    packages: Record<string, Locked>;
  };
const lock = read('package-lock.json');
const floor = (pkg: string) => semver.minVersion(read(pkg).engines.node)!.version;
const NODE_24 = '24.0.0';

// Passage's retired browser SDK, a devDependency that only Chromium runs (the drop-in proof in
// e2e/passage-dropin.test.ts); its engines list Node majors up to 22. .ci/run allows the same two.
const EXCEPTIONS = /^@passageidentity\/(passage-flex-js|webauthnutils)$/;

function refusing(node: string, runtimeOnly: boolean): string[] {
  return Object.entries(lock.packages).flatMap(([path, p]) => {
    const range = !Array.isArray(p.engines) ? p.engines?.node : undefined;
    const name = path.replace(/^.*node_modules\//, '');
    if (!path.includes('node_modules/') || range === undefined || EXCEPTIONS.test(name)) return [];
    if (runtimeOnly && p.dev) return [];
    return semver.satisfies(node, range) ? [] : [`${name}@${p.version} wants node ${range}`];
  });
}

it.each([
  ['packages/server/package.json', true],
  ['packages/passkeyd/package.json', true],
  ['package.json', false],
])('every locked dependency runs on the Node versions %s admits', (pkg, runtimeOnly) => {
  for (const node of [floor(pkg), NODE_24]) {
    expect(refusing(node, runtimeOnly), `on Node ${node}`).toEqual([]);
  }
});
