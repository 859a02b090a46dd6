import { readFileSync } from 'node:fs';

/** Where a function lives, coarsely: a package, node's internals, our code, or V8 itself. */
function areaOf(url) {
  if (!url) return 'V8/native';
  if (url.startsWith('node:')) return 'node core';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const ours = /packages\/([^/]+)\/dist\/(.*)$/.exec(url);
  if (ours) return `@passkeyd/${ours[1]}`;
  return url.replace(/^file:\/\//, '');
}

function shortUrl(url) {
  if (!url) return '';
  return url
    .replace(/^file:\/\//, '')
    .replace(/^.*node_modules\//, '')
    .replace(/^.*\/packages\//, 'packages/');
}

/**
 * Self time per function and per area from a V8 .cpuprofile (what `node --cpu-prof` writes).
 * Self time is what a function spent in its own code, callees excluded: the list of what to make
 * cheaper. (idle) is excluded from the total, so shares are of busy time.
 */
export function summariseProfile(file, { top = 25, windowUs } = {}) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  const deltas = profile.timeDeltas;
  // Sample i was taken at startTime + Σ deltas[0..i] and lasted until the next one.
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += deltas[i];
    if (windowUs && (t < windowUs[0] || t > windowUs[1])) continue;
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i + 1] ?? 0));
  }
  const fns = new Map();
  const areas = new Map();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const { callFrame: f } = byId.get(id);
    if (f.functionName === '(idle)') continue;
    busy += us;
    const name = f.functionName || '(anonymous)';
    const where = f.url ? `${shortUrl(f.url)}:${f.lineNumber + 1}` : '';
    const key = `${name} ${where}`;
    fns.set(key, { name, where, area: areaOf(f.url), us: (fns.get(key)?.us ?? 0) + us });
    const area = ['(garbage collector)', '(program)'].includes(name) ? name : areaOf(f.url);
    areas.set(area, (areas.get(area) ?? 0) + us);
  }
  const pct = (us) => Number(((100 * us) / busy).toFixed(1));
  return {
    busySeconds: busy / 1e6,
    functions: [...fns.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ selfPct: pct(f.us), name: f.name, where: f.where, area: f.area })),
    areas: [...areas].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, selfPct: pct(us) })),
  };
}
