import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints off the event loop.
 *
 * In WAL mode SQLite copies the log back into the database file (a checkpoint) when a commit
 * finds the log past `wal_autocheckpoint` pages (1000 by default), inside that commit: with
 * synchronous=NORMAL that means an fsync of the log, the copy, and an fsync of the database, all
 * on the thread that committed. better-sqlite3 is synchronous, so for passkeyd that thread is the
 * event loop: at a few hundred sign-ins per second (four commits each) a checkpoint came due
 * several times a second and every request in flight waited for the disk (the p99 at half of peak
 * in docs/benchmarks.md).
 *
 * A worker thread with a connection of its own runs PASSIVE checkpoints every `intervalMs`
 * instead (sqlite.org/wal.html#checkpointing: a checkpoint may run on any connection, and PASSIVE
 * never waits for the writer or readers, so it cannot hold up a commit). The main connection's
 * automatic checkpoint stays on, at `fallbackPages`, as the bound on the log's size if the worker
 * falls behind or dies; durability is unchanged (a commit is in the log before it returns, as
 * before).
 */
export interface Checkpointer {
  /** Checkpoints the worker has run and WAL frames they copied, as last reported. */
  stats(): { runs: number; framesCheckpointed: number; alive: boolean };
  close(): Promise<void>;
}

export interface CheckpointerOptions {
  path: string;
  /** How often the worker checkpoints. */
  intervalMs?: number;
}

/** The main connection's own checkpoint threshold while the worker runs (about 40 MiB of log). */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;
export const CHECKPOINT_INTERVAL_MS = 200;

// CommonJS, evaluated by the worker: better-sqlite3 is loaded from the path the parent resolved,
// so the worker finds it wherever passkeyd is installed (an eval'd worker resolves from the cwd).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path, { fileMustExist: true });
// A checkpoint that finds the database locked (a TRUNCATE by the purge, the CLI) tries again at
// the next tick rather than waiting.
db.pragma('busy_timeout = 0');
let runs = 0;
let frames = 0;
const tick = () => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    runs++;
    if (r && r.checkpointed > 0) frames += r.checkpointed;
  } catch {
    // SQLITE_BUSY or a transient error: the next tick, or the main connection's fallback.
  }
  parentPort.postMessage({ runs, frames });
};
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'stop') {
    clearInterval(timer);
    db.close();
    parentPort.close();
  }
});
`;

export function startCheckpointer(opts: CheckpointerOptions): Checkpointer {
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { path: opts.path, module, intervalMs: opts.intervalMs ?? CHECKPOINT_INTERVAL_MS },
  });
  // Never keeps the process alive on its own: close() ends it, and so does the process's exit.
  worker.unref();
  let runs = 0;
  let framesCheckpointed = 0;
  let alive = true;
  worker.on('message', (m: { runs: number; frames: number }) => {
    runs = m.runs;
    framesCheckpointed = m.frames;
  });
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      alive = false;
      resolve();
    }),
  );
  // A worker that fails to start (the file vanished) leaves the fallback threshold in charge.
  worker.on('error', () => {
    alive = false;
  });
  return {
    stats: () => ({ runs, framesCheckpointed, alive }),
    async close() {
      if (!alive) return;
      worker.postMessage('stop');
      const timer = setTimeout(() => void worker.terminate(), 2_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
