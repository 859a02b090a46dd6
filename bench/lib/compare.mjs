// Side-by-side runs (a baseline revision and the working tree, SQLite and PostgreSQL) and the
// round-trip count through the delay proxy. Used by bench/run.mjs; see docs/benchmarks.md.
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { scratchDatabase } from './database.mjs';
import { performance } from 'node:perf_hooks';
import { roundTrips, startDelayProxy } from './delay-proxy.mjs';
import { pinned } from './proc.mjs';
import { seedPasskeys } from './seed.mjs';
import { createBenchApp, startServer } from './server.mjs';

const execFileP = promisify(execFile);
const SEED_CHILD = fileURLToPath(new URL('./seed-child.mjs', import.meta.url));

/** The three ceremonies every comparison runs, in the order it runs them. */
export const CEREMONIES = [
  { scenario: 'authenticate', label: 'sign-in with a transaction' },
  { scenario: 'discoverable', label: 'discoverable sign-in' },
  { scenario: 'register', label: 'registration' },
];

/** The round-trip count's unit: one request known to make exactly one (bench/loadgen.mjs). */
const UNIT = { scenario: 'ready', label: 'GET /readyz (one select 1)' };

/** Issue 13: new ÷ c65e3c9 on SQLite, ceremonies per server CPU-second. */
export const BASELINE_TARGETS = { authenticate: 2.5, discoverable: 2, register: 4 };
/** Issue 13: PostgreSQL round trips per ceremony at one in flight. */
export const ROUND_TRIP_TARGETS = { authenticate: 4, discoverable: 3, register: 4 };
/** Issue 13: PostgreSQL (backends' CPU included) ÷ SQLite, ceremonies per CPU-second. */
export const PG_VS_SQLITE_TARGET = 0.5;

/**
 * The warm-up every server gets before its first measured run: each active passkey signs in
 * once (its key imported, its rows read), then sign-ins for `jitWarmupMs`, so V8 has optimised
 * the hot path and a fresh database's tables and WAL have grown. With 1 s, runs right after a
 * start came out up to 40 % slower than identical later ones.
 */
export async function warmUp(loadgen, server, { concurrency, jitWarmupMs, active }) {
  await loadgen.run({
    scenario: 'authenticate',
    count: active.length,
    concurrency,
    serverPid: server.pid,
  });
  await loadgen.run({
    scenario: 'authenticate',
    warmupMs: jitWarmupMs,
    durationMs: 0,
    concurrency,
    serverPid: server.pid,
  });
}

/**
 * PostgreSQL's backends serving `db`, pinned to the server's core, so "per CPU-second" means
 * passkeyd and its database together. Read again before each measured run: a pool opens
 * connections as load needs them, and a listener connection may come and go.
 */
export async function pinBackends(db, cpu) {
  const pids = db.backendPids ? await db.backendPids() : [];
  if (pinned(cpu).length)
    for (const pid of pids)
      try {
        execFileSync('taskset', ['-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
      } catch {
        // The backend went away in between: it no longer counts either.
      }
  return pids;
}

/** Unmeasured ceremonies (the run's own kind) before each PostgreSQL side-by-side run, so its pool is open. */
export const BACKEND_PRIMING_MS = 300;

/**
 * Backends of a run's database that were not there when the run started (their CPU is not in
 * the figure) and those that were and are gone (counted until they closed).
 */
export function backendChurn(before, after) {
  return {
    opened: after.filter((pid) => !before.includes(pid)).length,
    closed: before.filter((pid) => !after.includes(pid)).length,
  };
}

/**
 * Seeds `total` passkeys (the active ones first) with the seeder of `tree`: in this process for
 * the working tree, in a child process for a baseline, whose `@passkeyd/server` then is its own.
 */
export async function seedFor(tree, databaseUrl, job) {
  if (!tree.seedModule) return seedPasskeys(databaseUrl, job);
  const child = execFileP(process.execPath, [SEED_CHILD, tree.seedModule], {
    encoding: 'utf8',
    maxBuffer: 16 * 2 ** 20,
  });
  child.child.stdin.end(JSON.stringify({ databaseUrl, ...job }));
  const { stdout } = await child;
  return JSON.parse(stdout.trim().split('\n').at(-1));
}

/**
 * The order of the contenders in round `round`: rotated by one each round (A B, B A, A B …; A B
 * C, B C A, C A B … for three), so over the rounds each runs first, and last, as often as the
 * others.
 */
export function rotation(items, round) {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const median = (xs) => {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

/**
 * Every contender (a tree × an engine) gets its own database, made by its own CLI and seeded by
 * its own seeder with the same passkeys, and its own server, all started before the first
 * measured run and left running. Then `rounds` rounds: in each, every ceremony runs once on
 * every contender, one at a time on the same core, the order rotated from round to round, so
 * drift on a shared machine (another tenant starting, the CPU's clock) lands on all of them.
 * Ceremonies per CPU-second are pooled over the rounds: all ceremonies ÷ all CPU-seconds.
 */
export async function sideBySide({
  o,
  loadgen,
  cleanups,
  work,
  contenders,
  cpu,
  backendsCpu = cpu,
  active,
  log,
}) {
  const made = await Promise.all(
    contenders.map(async (c) => {
      const db = await scratchDatabase({
        engine: c.engine,
        name: `cmp_${c.id}`,
        dir: work,
        pgAdminUrl: o.pgUrl,
      });
      cleanups.push(() => db.drop());
      const app = await createBenchApp(db.url, [], { bin: c.tree.bin });
      return { ...c, db, app };
    }),
  );
  // One at a time: seeding is this process's CPU (or a child's) on the other core.
  for (const c of made) {
    log(`side by side: seeding ${c.label} …`);
    c.seeded = await seedFor(c.tree, c.db.url, {
      appId: c.app.appId,
      total: o.growth[0],
      active,
    });
  }
  for (const c of made) {
    c.server = await startServer({ databaseUrl: c.db.url, cpu, bin: c.tree.bin });
    c.serverAdaptations = c.server.adaptations;
    cleanups.push(() => c.server?.stop());
    await loadgen.setup({ url: c.server.url, ...c.app, passkeys: active });
    log(`side by side: warming up ${c.label} …`);
    await warmUp(loadgen, c.server, { ...o, active });
    c.runs = Object.fromEntries(CEREMONIES.map((x) => [x.scenario, []]));
  }

  for (let round = 0; round < o.rounds; round++) {
    for (const { scenario, label } of CEREMONIES) {
      for (const c of rotation(made, round)) {
        log(`side by side, round ${round + 1}/${o.rounds}: ${label} on ${c.label} …`);
        await loadgen.setup({ url: c.server.url, ...c.app, passkeys: active });
        // node-postgres closes a connection idle for 10 s (idleTimeoutMillis), and with four
        // contenders each server waits about that long between its runs: the backends read
        // before the run were then closing, and the run's were opened during it, neither pinned
        // nor counted (2026-12-03: 0–0.3 s of backends' CPU, others 0.6–0.8 of a core). A short
        // unmeasured burst opens the pool's connections first.
        if (c.db.backendPids) {
          await loadgen.run({
            scenario,
            warmupMs: BACKEND_PRIMING_MS,
            durationMs: 0,
            concurrency: o.concurrency,
            serverPid: c.server.pid,
          });
        }
        const databasePids = await pinBackends(c.db, backendsCpu);
        const r = await loadgen.run({
          scenario,
          warmupMs: o.warmupMs,
          durationMs: o.durationMs,
          concurrency: o.concurrency,
          serverPid: c.server.pid,
          databasePids,
        });
        if (r.failed) log(`  ${r.failed} failed: ${JSON.stringify(r.errors)}`);
        const churn = backendChurn(databasePids, c.db.backendPids ? await c.db.backendPids() : []);
        if (churn.opened || churn.closed)
          log(
            `  PostgreSQL backends during the run: ${churn.opened} opened (not counted), ${churn.closed} closed (counted until then)`,
          );
        c.runs[scenario].push({
          round,
          ...r,
          databasePids: databasePids.length,
          backendsOpened: churn.opened,
          backendsClosed: churn.closed,
        });
      }
    }
  }

  const out = [];
  for (const c of made) {
    const summary = {};
    for (const { scenario } of CEREMONIES) {
      const runs = c.runs[scenario];
      const completed = sum(runs.map((r) => r.completed));
      const cpuSeconds = sum(runs.map((r) => r.serverCpuSeconds));
      summary[scenario] = {
        completed,
        failed: sum(runs.map((r) => r.failed)),
        serverCpuSeconds: cpuSeconds,
        // PostgreSQL's backends' part of serverCpuSeconds (0 on SQLite).
        databaseCpuSeconds: sum(runs.map((r) => r.databaseCpuSeconds ?? 0)),
        seconds: sum(runs.map((r) => r.seconds)),
        perCpuSecond: completed / cpuSeconds,
        perCpuSecondByRound: runs.map((r) => r.completed / r.serverCpuSeconds),
        ceremonyP50Median: median(runs.map((r) => r.ceremony.p50)),
        ceremonyP99Median: median(runs.map((r) => r.ceremony.p99)),
        otherCoresMax: Math.max(...runs.map((r) => r.otherCores)),
      };
    }
    await c.server.stop();
    c.server = undefined;
    out.push({
      id: c.id,
      label: c.label,
      tree: c.tree.id,
      engine: c.engine,
      seeded: c.seeded,
      // What had to change for this revision to run (settings it does not read, …).
      adaptations: c.serverAdaptations,
      summary,
      runs: c.runs,
    });
  }
  // The figures for the result file, and the databases and apps for the round-trip runs.
  return { contenders: out, handles: made };
}

/** new ÷ baseline per engine, PostgreSQL ÷ SQLite per tree, and the targets for them. */
export function comparisonFigures(contenders, { baselineRev } = {}) {
  const find = (tree, engine) => contenders.find((c) => c.tree === tree && c.engine === engine);
  const ratios = [];
  const targets = [];
  for (const engine of ['sqlite', 'postgres']) {
    const [n, b] = [find('new', engine), find('baseline', engine)];
    if (!n || !b) continue;
    for (const { scenario, label } of CEREMONIES) {
      const ratio = n.summary[scenario].perCpuSecond / b.summary[scenario].perCpuSecond;
      const byRound = n.summary[scenario].perCpuSecondByRound.map(
        (x, i) => x / b.summary[scenario].perCpuSecondByRound[i],
      );
      ratios.push({ kind: 'new ÷ baseline', engine, scenario, ratio, byRound });
      // The issue sets these for SQLite against c65e3c9; printed for any revision, and said so.
      if (engine === 'sqlite')
        targets.push({
          target: `${label}: new ÷ ${baselineRev} ≥ ${BASELINE_TARGETS[scenario]} × (SQLite, per server CPU-s; set vs c65e3c9)`,
          measured: `${ratio.toFixed(2)} × (rounds ${byRound.map((x) => x.toFixed(2)).join(', ')})`,
          met: ratio >= BASELINE_TARGETS[scenario],
        });
    }
  }
  for (const tree of ['new', 'baseline']) {
    const [s, p] = [find(tree, 'sqlite'), find(tree, 'postgres')];
    if (!s || !p) continue;
    for (const { scenario, label } of CEREMONIES) {
      const ratio = p.summary[scenario].perCpuSecond / s.summary[scenario].perCpuSecond;
      ratios.push({ kind: 'PostgreSQL ÷ SQLite', tree, scenario, ratio });
      if (tree === 'new')
        targets.push({
          target: `${label}: PostgreSQL (backends' CPU included) ÷ SQLite ≥ ${PG_VS_SQLITE_TARGET * 100} % per CPU-s`,
          measured: `${(ratio * 100).toFixed(1)} %`,
          met: ratio >= PG_VS_SQLITE_TARGET,
        });
    }
  }
  return { ratios, targets };
}

/**
 * Database round trips per ceremony, measured from outside: the server reaches PostgreSQL
 * through the delay proxy; each ceremony runs with one in flight, alternately with the proxy
 * adding `o.rtDelayMs` each way and adding nothing (0 D, D 0, 0 D …, one pair per round: drift
 * cancels), and round trips = (p50 with − p50 without) ÷ 2D, the p50s averaged over the runs of
 * each delay and D the delay the proxy actually held chunks for (timers fire late on a loaded
 * machine). Per step too: which request makes them.
 */
/**
 * The proxy's turns attributed to the ceremonies that were in flight (one at a time) when each
 * was seen: the median per ceremony, the largest, and how many ceremonies saw each count.
 */
export function perCeremonyTurns(windows, turnTimes) {
  const times = Float64Array.from(turnTimes).sort();
  const counts = windows.map(([a, b]) => {
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid] < a) lo = mid + 1;
      else hi = mid;
    }
    let n = 0;
    for (let i = lo; i < times.length && times[i] <= b; i++) n++;
    return n;
  });
  const sorted = [...counts].sort((x, y) => x - y);
  const histogram = {};
  for (const n of counts) histogram[n] = (histogram[n] ?? 0) + 1;
  return {
    median: sorted.length ? sorted[Math.floor(sorted.length / 2)] : NaN,
    max: sorted.length ? sorted.at(-1) : NaN,
    histogram,
  };
}

/**
 * Where the delay proxy connects for a PostgreSQL URL: its host and port, or, for `?host=/dir`
 * (node-postgres's spelling of a Unix socket, which overrides the URL's host), that socket.
 */
export function proxyTarget(databaseUrl) {
  const pg = new URL(databaseUrl);
  const socketDir = pg.searchParams.get('host');
  const port = Number(pg.port || 5432);
  return socketDir?.startsWith('/')
    ? { path: `${socketDir}/.s.PGSQL.${port}` }
    : { host: pg.hostname, port };
}

/** The same database URL, reaching PostgreSQL through the proxy's TCP port. */
export function throughProxy(databaseUrl, proxy) {
  const url = new URL(databaseUrl);
  url.searchParams.delete('host');
  url.hostname = proxy.host;
  url.port = String(proxy.port);
  return url.toString();
}

export async function measureRoundTrips({ o, loadgen, db, app, bin, active, cpu, label, log }) {
  const proxy = await startDelayProxy({ target: proxyTarget(db.url), delayMs: 0 });
  const viaProxy = throughProxy(db.url, proxy);
  let server;
  try {
    server = await startServer({ databaseUrl: viaProxy, cpu, bin });
    await loadgen.setup({ url: server.url, ...app, passkeys: active });
    log(`round trips (${label}): warming up through the proxy …`);
    await warmUp(loadgen, server, { ...o, active });
    // 0 D, D 0, 0 D …: one pair per round, the order flipped each round, so drift cancels.
    const delays = Array.from({ length: o.rounds }, (_, i) =>
      i % 2 ? [o.rtDelayMs, 0] : [0, o.rtDelayMs],
    ).flat();
    const runs = [];
    const counted = {};
    for (const { scenario, label: what } of [...CEREMONIES, UNIT]) {
      // Timing-free first: turns the proxy saw (a query sent after an answer) per ceremony, with
      // no delay. Every connection counts, so the node's background work (the webhook poll, the
      // purge) is in it too; the turns of an idle window as long as the run, right after it, are
      // that background, and are subtracted.
      proxy.setDelay(0);
      const n = o.rtCount;
      log(`round trips (${label}): ${what}, ${n} ceremonies one after another, turns counted …`);
      proxy.resetStats();
      const t0 = performance.now();
      const c = await loadgen.run({
        scenario,
        count: n,
        concurrency: 1,
        serverPid: server.pid,
        windows: true,
      });
      const busyMs = performance.now() - t0;
      const { turns, turnTimes } = proxy.stats();
      proxy.resetStats();
      await new Promise((r) => setTimeout(r, busyMs));
      const idleTurns = proxy.stats().turns;
      counted[scenario] = {
        turns,
        idleTurns,
        busyMs,
        ceremonies: n,
        failed: c.failed,
        ...perCeremonyTurns(c.windows ?? [], turnTimes),
      };
      if (c.failed) log(`  ${c.failed} failed: ${JSON.stringify(c.errors)}`);
      for (const delayMs of delays) {
        log(`round trips (${label}): ${what}, one in flight, +${delayMs} ms each way …`);
        proxy.setDelay(delayMs);
        proxy.resetStats();
        const r = await loadgen.run({
          scenario,
          warmupMs: 200,
          durationMs: o.rtDurationMs,
          concurrency: 1,
          serverPid: server.pid,
        });
        if (r.failed) log(`  ${r.failed} failed: ${JSON.stringify(r.errors)}`);
        const held = proxy.stats();
        runs.push({
          scenario,
          delayMs,
          heldMs: held.medianHeldMs,
          meanHeldMs: held.meanHeldMs,
          chunks: held.chunks,
          completed: r.completed,
          failed: r.failed,
          errors: r.errors,
          seconds: r.seconds,
          otherCores: r.otherCores,
          ceremony: r.ceremony,
          steps: r.steps,
        });
      }
    }
    // Over the runs that have the figure: a run that completed nothing in its window (a stalled
    // machine) has no latencies and must not turn the whole count into NaN.
    const mean = (xs) => {
      const v = xs.filter(Number.isFinite);
      return v.length ? sum(v) / v.length : NaN;
    };
    // What one known round trip (GET /readyz: one `select 1`) gains with the delay: 2D plus the
    // machine's wake-ups around it, which dividing by 2D alone counts as a fraction of a round
    // trip per request.
    const p50Of = (scenario, withDelay, f) =>
      mean(runs.filter((r) => r.scenario === scenario && r.delayMs > 0 === withDelay).map(f));
    const unitMs =
      p50Of(UNIT.scenario, true, (r) => r.ceremony.p50) -
      p50Of(UNIT.scenario, false, (r) => r.ceremony.p50);
    const unit = {
      ms: unitMs,
      counted: counted[UNIT.scenario].failed ? NaN : counted[UNIT.scenario].median,
    };
    const ceremonies = {};
    for (const { scenario } of CEREMONIES) {
      const withD = runs.filter((r) => r.scenario === scenario && r.delayMs > 0);
      const without = runs.filter((r) => r.scenario === scenario && r.delayMs === 0);
      const heldMs = mean(withD.map((r) => r.heldMs));
      const calibrated = (f) =>
        roundTrips({
          p50WithDelay: mean(withD.map(f)),
          p50WithoutDelay: mean(without.map(f)),
          delayMs: unitMs / 2,
        });
      const rt = (f) =>
        roundTrips({
          p50WithDelay: mean(withD.map(f)),
          p50WithoutDelay: mean(without.map(f)),
          delayMs: heldMs,
        });
      const steps = [...new Set([...withD, ...without].flatMap((r) => Object.keys(r.steps ?? {})))];
      ceremonies[scenario] = {
        p50WithDelay: mean(withD.map((r) => r.ceremony.p50 ?? NaN)),
        p50WithoutDelay: mean(without.map((r) => r.ceremony.p50 ?? NaN)),
        heldMs,
        roundTrips: rt((r) => r.ceremony.p50),
        // The same difference in units of one measured round trip (GET /readyz).
        calibrated: calibrated((r) => r.ceremony.p50),
        stepsCalibrated: Object.fromEntries(
          steps.map((s) => [s, calibrated((r) => r.steps[s]?.p50 ?? NaN)]),
        ),
        // Turns per ceremony, counted by the proxy (no clock): the median over the ceremonies,
        // each counting the turns inside its own start…end, so the node's background queries
        // (the purge, the webhook poll), which land in a few ceremonies' windows, do not move
        // it. The mean less an idle window's is kept beside it.
        counted: counted[scenario].failed ? NaN : counted[scenario].median,
        countedMean: counted[scenario].failed
          ? NaN
          : (counted[scenario].turns - counted[scenario].idleTurns) / counted[scenario].ceremonies,
        countedDetail: counted[scenario],
        // Nominal: the same difference over the nominal delay, for comparison with heldMs's.
        roundTripsNominal: roundTrips({
          p50WithDelay: mean(withD.map((r) => r.ceremony.p50)),
          p50WithoutDelay: mean(without.map((r) => r.ceremony.p50)),
          delayMs: o.rtDelayMs,
        }),
        steps: Object.fromEntries(steps.map((s) => [s, rt((r) => r.steps[s]?.p50 ?? NaN)])),
        target: ROUND_TRIP_TARGETS[scenario],
        samples: sum(withD.map((r) => r.completed)) + sum(without.map((r) => r.completed)),
      };
    }
    return { label, delayMs: o.rtDelayMs, order: delays, unit, ceremonies, runs };
  } finally {
    await server?.stop();
    await proxy.close();
  }
}

/**
 * The round-trip targets as rows of the targets table, by each way of measuring them: the delay
 * over 2D (the formula), the delay over one measured round trip (GET /readyz), and the
 * proxy's count without a clock. A figure that could not be had (a run that failed) has no row.
 */
export function roundTripTargets(rt) {
  const ways = [
    { key: 'roundTrips', how: `one in flight, ±${rt.delayMs} ms ÷ 2D`, digits: 1 },
    {
      key: 'calibrated',
      how: `one in flight, ±${rt.delayMs} ms ÷ one /readyz round trip`,
      digits: 2,
    },
    { key: 'counted', how: 'counted by the proxy, no clock', digits: 2 },
  ];
  return ways.flatMap(({ key, how, digits }) =>
    CEREMONIES.filter(({ scenario }) => rt.ceremonies[scenario])
      .filter(
        ({ scenario }) => key === 'roundTrips' || Number.isFinite(rt.ceremonies[scenario][key]),
      )
      .map(({ scenario, label }) => {
        const x = rt.ceremonies[scenario];
        return {
          target: `PostgreSQL round trips, ${label} ≤ ${x.target} (${how})`,
          measured: Number.isFinite(x[key]) ? x[key].toFixed(digits) : '–',
          met: x[key] <= x.target,
        };
      }),
  );
}
