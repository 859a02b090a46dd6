const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en') : '–');
const fix = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '–');
const pct = (x) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : '–');
// The share of the server's core the hypervisor gave other guests during a run (older result
// files have no such figure).
const steal = (run) => pct(run.serverCoreSteal ?? NaN);
const mib = (bytes) => (Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(2)} MiB` : '–');

function table(headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map(String));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [
    line(cells[0]),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.slice(1).map(line),
  ].join('\n');
}

const RUN_LABELS = {
  authenticate: 'sign-in (transaction)',
  authenticateHalfPeak: 'sign-in at half peak',
  discoverable: 'sign-in (discoverable)',
  register: 'registration',
  authenticateInfoLogs: 'sign-in, LOG_LEVEL=info',
  authenticateSimpleWebAuthn: 'sign-in, simplewebauthn',
  authenticateProfiled: 'profiled (--profile-scenario), under --cpu-prof',
  httpFloor: 'HTTP floor (4 no-op requests)',
};

const CEREMONY_LABELS = {
  authenticate: 'sign-in (transaction)',
  discoverable: 'sign-in (discoverable)',
  register: 'registration',
};

/** Prints the result file's figures as plain-text tables (the JSON has everything). */
export function printReport(r) {
  const out = [];
  const m = r.machine;
  out.push(`passkeyd benchmark: engine ${r.engine}, ${r.date}`);
  out.push(
    `${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}; ${m.pinning}`,
  );
  out.push(
    `load average at start ${m.loadAverageAtStart.join(' ')}, at end ${m.loadAverageAtEnd.join(' ')}; ${fix(r.totalSeconds, 0)} s\n`,
  );
  if (r.baseline) {
    const b = r.baseline;
    out.push(
      `Baseline ${b.rev} (${b.commit.slice(0, 12)}), built in a scratch worktree in ${fix(b.buildSeconds, 0)} s: ${b.install}; seeded with ${b.seeder}\n`,
    );
  }
  if (r.engines) {
    // --engine both: each engine's full report, then the side-by-side figures.
    for (const [engine, e] of Object.entries(r.engines)) {
      out.push(`==== engine ${engine} ====`);
      out.push(engineReport({ ...e, options: r.options }));
      out.push('');
    }
  } else if (r.runs) out.push(engineReport(r));
  if (r.comparison) out.push(comparisonReport(r.comparison, r.baseline));
  if (r.sdkBundle) {
    const b = r.sdkBundle;
    out.push(
      b.error
        ? `\nBrowser SDK bundle: ${b.error}`
        : `\nBrowser SDK bundle ${b.file}: ${int(b.minBytes)} B minified, ${int(b.gzipBytes)} B gzip`,
    );
  }
  if (r.targets?.length) {
    out.push(`\nTargets${r.engines ? ' (side by side; each engine above has its own)' : ''}`);
    out.push(targetTable(r.targets));
  }
  console.log(out.join('\n'));
}

const targetTable = (ts) =>
  table(
    ['target', 'measured', 'met'],
    ts.map((t) => [t.target, t.measured, t.met ? 'yes' : 'NO']),
  );

/** Round trips per ceremony and per step through the delay proxy. */
function roundTripReport(rt, title) {
  const out = [
    `\n${title}: ${rt.label}, one ceremony in flight, the proxy adding 0 and ${rt.delayMs} ms each way (order ${rt.order.join(', ')} ms); round trips = (p50 with − p50 without) ÷ 2 × the delay actually held; counted = queries sent after an answer, seen by the proxy without a clock, per ceremony: the median over the ceremonies, each counting those inside its own start…end, so the node's background work does not move it (the mean less an idle window's is in the result file); calibrated = the same p50 difference ÷ that of GET /readyz (one select 1: ${fix(rt.unit?.ms, 2)} ms, counted ${fix(rt.unit?.counted, 2)} round trips)`,
  ];
  // In the order a ceremony makes them.
  const ORDER = ['create-tx', 'start', 'finish', 'verify'];
  const steps = [
    ...new Set(Object.values(rt.ceremonies).flatMap((c) => Object.keys(c.steps))),
  ].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
  out.push(
    table(
      [
        'ceremony',
        'p50 +0',
        `p50 +${rt.delayMs}`,
        'held ms',
        'round trips',
        'calibrated',
        'counted',
        'target',
        ...steps,
        'samples',
      ],
      Object.entries(rt.ceremonies).map(([k, c]) => [
        CEREMONY_LABELS[k] ?? k,
        fix(c.p50WithoutDelay, 2),
        fix(c.p50WithDelay, 2),
        fix(c.heldMs, 2),
        fix(c.roundTrips, 1),
        fix(c.calibrated, 2),
        fix(c.counted, 2),
        `≤ ${c.target}`,
        ...steps.map((s) => fix(c.steps[s], 1)),
        c.samples,
      ]),
    ),
  );
  return out.join('\n');
}

/** The side-by-side runs: per contender, per ceremony, and the ratios. */
function comparisonReport(c, baseline) {
  const out = [
    `\nSide by side: ${c.contenders.map((x) => x.label).join(' | ')}; ${c.rounds} rounds, each ceremony ${fix(c.durationMs / 1000, 0)} s at ${c.concurrency} in flight on every server in turn (order rotated each round), per server CPU-second (PostgreSQL: its backends' CPU included, the backends pinned to ${c.backendsCpu === 'loadgen' ? "the load generator's core" : "the server's core"}), pooled over the rounds`,
  ];
  const headers = ['server', ...Object.values(CEREMONY_LABELS), 'errors', 'others (max)'];
  out.push(
    table(
      headers,
      c.contenders.map((x) => [
        x.label,
        ...Object.keys(CEREMONY_LABELS).map(
          (k) =>
            `${int(x.summary[k].perCpuSecond)} (${x.summary[k].perCpuSecondByRound.map(int).join(', ')})`,
        ),
        Object.values(x.summary).reduce((n, s) => n + s.failed, 0),
        fix(Math.max(...Object.values(x.summary).map((s) => s.otherCoresMax)), 2),
      ]),
    ),
  );
  out.push('(in brackets: each round)');
  const withBackends = c.contenders.filter((x) =>
    Object.values(x.summary).some((s) => s.databaseCpuSeconds > 0),
  );
  if (withBackends.length) {
    out.push('');
    out.push(
      table(
        ['CPU per ceremony, µs', ...Object.values(CEREMONY_LABELS)],
        withBackends.map((x) => [
          `${x.label}: server + backends`,
          ...Object.keys(CEREMONY_LABELS).map((k) => {
            const s = x.summary[k];
            const us = (v) => int((v / s.completed) * 1e6);
            return `${us(s.serverCpuSeconds - s.databaseCpuSeconds)} + ${us(s.databaseCpuSeconds)}`;
          }),
        ]),
      ),
    );
  }
  if (c.ratios.length) {
    out.push('');
    out.push(
      table(
        ['ratio', ...Object.values(CEREMONY_LABELS)],
        [...new Set(c.ratios.map((x) => `${x.kind}, ${x.engine ?? x.tree}`))].map((key) => [
          key,
          ...Object.keys(CEREMONY_LABELS).map((k) => {
            const x = c.ratios.find(
              (y) => `${y.kind}, ${y.engine ?? y.tree}` === key && y.scenario === k,
            );
            return x ? `${fix(x.ratio, 2)} ×` : '–';
          }),
        ]),
      ),
    );
  }
  const adapted = c.contenders.filter((x) => x.adaptations?.length);
  if (baseline)
    out.push(
      `\nAdapted for the baseline: ${adapted.length ? adapted.flatMap((x) => x.adaptations.map((a) => `${x.label}: ${a}`)).join('; ') : 'nothing: it reads every setting the benchmark passes, and says "listening on"'}`,
    );
  for (const rt of c.roundTrips ?? []) out.push(roundTripReport(rt, 'PostgreSQL round trips'));
  return out.join('\n');
}

/** One engine's tables: the limit, the ceremonies, latency, half of peak, growth, disk, profile. */
function engineReport(r) {
  const out = [];

  const [l, l2] = r.limitRuns;
  out.push(
    `Limit (one core, node:crypto, OpenSSL ${l.openssl})${l2 ? ': measured before / after the ceremony runs' : ''}`,
  );
  const both = (k, f) => (l2 ? `${int(l[k][f])} / ${int(l2[k][f])}` : int(l[k][f]));
  out.push(
    table(
      ['operation', 'per CPU-second', 'per wall second'],
      [
        [
          'ES256 verify, key pre-imported',
          both('verify', 'perCpuSecond'),
          both('verify', 'perWallSecond'),
        ],
        [
          'P-256 key import (JWK)',
          both('importKey', 'perCpuSecond'),
          both('importKey', 'perWallSecond'),
        ],
        [
          'import + verify (key-cache miss)',
          both('importAndVerify', 'perCpuSecond'),
          both('importAndVerify', 'perWallSecond'),
        ],
      ],
    ),
  );
  if (r.limit)
    out.push(
      `the limit used below: ${int(r.limit.verifyPerCpuSecond)} verifications per CPU-second (mean)`,
    );

  const who = r.engine === 'postgres' ? 'server + its PostgreSQL backends' : 'server';
  out.push(
    `\nCeremonies end to end over HTTP (${who} on one core; vs limit = ceremonies per ${who} CPU-second / verifications per CPU-second)`,
  );
  const runs = Object.entries(r.runs ?? {});
  out.push(
    table(
      [
        'run',
        'load',
        'ceremonies/s',
        'server cores',
        'per server CPU-s',
        'vs limit',
        'ceremony p50',
        'p99',
        'errors',
        'others',
      ],
      runs.map(([k, x]) => [
        RUN_LABELS[k] ?? k,
        x.rate ? `${x.rate}/s` : `${r.options.concurrency} in flight`,
        int(x.ceremoniesPerSecond),
        fix(x.serverCores, 2),
        int(x.perCpuSecond),
        pct(x.vsLimit),
        fix(x.ceremony.p50, 2),
        fix(x.ceremony.p99, 2),
        x.failed,
        fix(x.otherCores, 2),
      ]),
    ),
  );
  const lean = r.runs?.authenticate;
  const swa = r.runs?.authenticateSimpleWebAuthn;
  const info = r.runs?.authenticateInfoLogs;
  if (lean && swa)
    out.push(
      `lean verifier vs @simplewebauthn/server: ${fix(lean.perCpuSecond / swa.perCpuSecond, 2)} × the ceremonies per server CPU-second`,
    );
  if (lean && info)
    out.push(
      `LOG_LEVEL=info costs ${pct(1 - info.perCpuSecond / lean.perCpuSecond)} of sign-in throughput per CPU-second (vs warn)`,
    );

  out.push('\nLatency per step, ms (p50 / p95 / p99 / max)');
  const rows = [];
  for (const [k, x] of runs) {
    for (const [step, s] of Object.entries(x.steps))
      rows.push([
        RUN_LABELS[k] ?? k,
        step,
        fix(s.p50, 2),
        fix(s.p95, 2),
        fix(s.p99, 2),
        fix(s.max, 2),
        s.count,
      ]);
  }
  out.push(table(['run', 'step', 'p50', 'p95', 'p99', 'max', 'samples'], rows));

  if (r.halfPeakRuns?.length) {
    const halves = [...r.halfPeakRuns, ...(r.growth?.length ? [r.growth[0].run] : [])];
    out.push(
      `\nHalf of peak, run by run (sign-in, open loop; the last row is the growth run at ${int(r.growth?.[0]?.passkeys)} passkeys): p99 < 10 ms, worst step`,
    );
    out.push(
      table(
        [
          'run',
          'rate',
          'ceremonies/s',
          'worst step p99',
          'ceremony p99',
          'others',
          'steal',
          'p99 < 10 ms',
        ],
        halves.map((h, i) => [
          i < r.halfPeakRuns.length ? `main server, ${i + 1}` : 'growth, smallest',
          `${h.rate}/s`,
          int(h.ceremoniesPerSecond),
          fix(h.worstStepP99, 2),
          fix(h.ceremony.p99, 2),
          fix(h.otherCores, 2),
          steal(h),
          h.worstStepP99 < 10 ? 'yes' : 'NO',
        ]),
      ),
    );
  }

  if (r.roundTrips) out.push(roundTripReport(r.roundTrips, 'PostgreSQL round trips'));

  if (r.growth?.length) {
    out.push(`\nGrowth: sign-in with a transaction at a fixed ${r.growth[0].rate}/s`);
    out.push(
      table(
        [
          'stored passkeys',
          'ceremonies/s',
          'per server CPU-s',
          'finish p50',
          'finish p99',
          'worst step p99',
          'ceremony p99',
          'disk reads',
          'others',
          'steal',
          'server RSS',
          'seeded in',
        ],
        r.growth.map((g) => [
          int(g.passkeys),
          int(g.run.ceremoniesPerSecond),
          int(g.run.perCpuSecond),
          fix(g.run.steps.finish?.p50, 2),
          fix(g.run.steps.finish?.p99, 2),
          fix(g.run.worstStepP99, 2),
          fix(g.run.ceremony.p99, 2),
          `${g.run.serverMajorFaults} / ${g.run.fileRefaults}`,
          fix(g.run.otherCores, 2),
          steal(g.run),
          g.memoryMiB ? `${fix(g.memoryMiB.rss, 0)} MiB` : '',
          g.seedSeconds ? `${fix(g.seedSeconds, 1)} s` : '',
        ]),
      ),
    );
    out.push(
      'disk reads: major page faults of the server / evicted file pages read back machine-wide, during the run',
    );
    out.push(
      'others (here and above): cores that other processes on the machine used during the run; above a few tenths, latencies include waiting for a CPU',
    );
    out.push(
      "steal (here and above): the share of the server's core the hypervisor gave other guests during the run; it comes in bursts, each a stall of the server",
    );
    const last = r.growth.at(-1);
    if (last.size)
      out.push(`database at ${int(last.passkeys)} passkeys: ${mib(last.size.diskBytes)} on disk`);
  }

  if (r.memory)
    out.push(
      `\nServer memory after the sustained sign-in runs: RSS ${fix(r.memory.afterSustainedMiB.rss, 0)} MiB (peak ${fix(r.memory.afterSustainedMiB.peak, 0)} MiB)`,
    );

  if (r.disk) {
    const d = r.disk;
    out.push(
      `\nDisk: ${int(d.abandoned)} abandoned sign-ins (transaction + challenge each; ${int(d.overHttp)} over HTTP), created in ${fix(d.createSeconds, 1)} s; the server's purge deleted ${int(d.purgedTransactions)} transactions in ${d.purges} passes, the last ${fix(d.purgedWithinSeconds, 1)} s after creation ended (TTL 10 s)`,
    );
    const sizeRow = (label, s) => [
      label,
      mib(s.diskBytes),
      s.fileBytes === undefined ? '' : mib(s.fileBytes),
      s.walBytes === undefined ? '' : mib(s.walBytes),
      s.usedBytes === undefined ? '' : mib(s.usedBytes),
    ];
    out.push(
      table(
        ['when', 'on disk', 'main file', 'WAL', 'pages in use'],
        [
          sizeRow('before', d.before),
          sizeRow('after abandoning', d.afterAbandoned),
          sizeRow('after purge', d.afterPurge),
        ],
      ),
    );
  }

  if (r.profile) {
    out.push(
      `\nProfile of the server during sign-in (node --cpu-prof, self time, share of busy time)`,
    );
    out.push(
      table(
        ['area', 'self'],
        r.profile.areas.slice(0, 10).map((a) => [a.area, `${a.selfPct} %`]),
      ),
    );
    out.push('');
    out.push(
      table(
        ['function', 'where', 'self'],
        r.profile.functions.slice(0, 15).map((f) => [f.name, f.where, `${f.selfPct} %`]),
      ),
    );
  }

  if (r.targets?.length && r.options?.engines?.length > 1) {
    out.push(`\nTargets, ${r.engine}`);
    out.push(targetTable(r.targets));
  }
  return out.join('\n');
}
