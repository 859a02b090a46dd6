#!/usr/bin/env node
// `node bench/series.mjs [RESULT.json …]`: the SQLite "p99 < 10 ms at half of peak" target over a
// series of benchmark runs, one line per run with pass/fail. Without arguments it reads every
// result file in bench/results/. A run passes when every one of its half-of-peak runs does (the
// repeated runs on the main server and the growth run at the smallest size); files from before
// the repeated runs existed have only the growth run.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const LIMIT_MS = 10;

/** The half-of-peak runs of one result file's SQLite figures, or null when it has none. */
export function halfPeakRuns(r) {
  const e = r.engine === 'sqlite' ? r : r.engines?.sqlite;
  if (!e) return null;
  const runs = [...(e.halfPeakRuns ?? []), e.runs?.authenticateHalfPeak].filter(Boolean);
  return runs.length ? runs : null;
}

/** Each run's worst-step p99, and whether every one is under the limit. */
export function verdict(runs) {
  const p99s = runs.map((x) => x.worstStepP99);
  return { p99s, met: p99s.every((p) => p < LIMIT_MS) };
}

function main(files) {
  const rows = [];
  for (const file of files) {
    let r;
    try {
      r = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      console.error(`${file}: ${e.message}`);
      continue;
    }
    const runs = halfPeakRuns(r);
    if (!runs) continue;
    rows.push({
      file: file.split('/').at(-1),
      quick: Boolean(r.options?.quick),
      ...verdict(runs),
      others: Math.max(...runs.map((x) => x.otherCores ?? NaN)),
      steal: Math.max(...runs.map((x) => x.serverCoreSteal ?? NaN)),
    });
  }
  if (!rows.length) {
    console.log('no SQLite result with a half-of-peak run');
    return;
  }
  for (const x of rows)
    console.log(
      `${x.met ? 'pass' : 'FAIL'}  ${x.p99s.map((p) => `${p.toFixed(1)} ms`).join(', ')}  others ≤ ${Number.isFinite(x.others) ? x.others.toFixed(2) : '–'} cores  steal ≤ ${Number.isFinite(x.steal) ? `${(x.steal * 100).toFixed(1)} %` : '–'}  ${x.file}${x.quick ? ' (quick: not for figures)' : ''}`,
    );
  const passed = rows.filter((x) => x.met).length;
  console.log(
    `\nSQLite p99 < ${LIMIT_MS} ms at half of peak (worst step): ${passed} of ${rows.length} runs met it in every half-of-peak run`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const files = args.length
    ? args
    : existsSync(RESULTS)
      ? readdirSync(RESULTS)
          .filter((f) => f.endsWith('.json'))
          .sort()
          .map((f) => join(RESULTS, f))
      : [];
  main(files);
}
