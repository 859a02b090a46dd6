/**
 * Group commit for the SQLite ceremony requests. Each ceremony request is one short write
 * transaction; on SQLite the fixed part of a transaction (taking the write lock, writing every
 * dirty page to the WAL as its own frame, releasing the locks) was the largest single item of a
 * sign-in's profile. Requests that reach storage in the same turn of the event loop (several
 * arrive together whenever more than one ceremony is in flight) therefore share one
 * `BEGIN IMMEDIATE … COMMIT`, each inside a savepoint of its own:
 *
 * - a request's writes are still all or nothing: one that throws is rolled back to its savepoint
 *   and gets its error, and the others in the batch are not affected;
 * - the batch runs its requests one after another in arrival order, so each sees exactly what it
 *   would have seen run alone in that order (the database has one writer either way);
 * - nothing is acknowledged before the COMMIT returns: a request's promise settles only after
 *   its batch committed (or, if the commit fails, rejects with that error), so what a client was
 *   told was stored survives a crash as before.
 *
 * A batch is started with setImmediate, after the poll phase in which its requests arrived, and
 * holds at most `maxBatch` requests; a lone request waits only for that one hop.
 */

export interface GroupCommitSteps {
  begin(): void;
  commit(): void;
  /** Undoes the whole transaction; called only while one is open. */
  rollback(): void;
  savepoint(): void;
  release(): void;
  rollbackToSavepoint(): void;
  inTransaction(): boolean;
}

export interface GroupCommitOptions {
  steps: GroupCommitSteps;
  /** Runs a batch holding whatever else must not interleave with it (Kysely's connection). */
  exclusive: <T>(fn: () => T) => Promise<T>;
  /** Turns a driver error from BEGIN or COMMIT into the error every request of the batch gets. */
  translate?: (err: unknown) => unknown;
  maxBatch?: number;
  /** Sees each batch's size (tests, metrics). */
  onBatch?: (size: number) => void;
}

interface Pending {
  fn: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export const DEFAULT_MAX_BATCH = 64;

// Taken at load, so a test's fake timers cannot stall every storage request behind them.
const immediate = globalThis.setImmediate;

export function groupCommit(opts: GroupCommitOptions): <T>(fn: () => T) => Promise<T> {
  const { steps, exclusive } = opts;
  const translate = opts.translate ?? ((e: unknown) => e);
  const maxBatch = opts.maxBatch ?? DEFAULT_MAX_BATCH;
  let queue: Pending[] = [];
  let scheduled = false;

  const runBatch = (batch: Pending[]): Outcome[] => {
    try {
      steps.begin();
    } catch (err) {
      throw translate(err);
    }
    const outcomes: Outcome[] = [];
    try {
      if (batch.length === 1) {
        // Alone, the transaction is the request's own: no savepoint needed to undo it.
        try {
          outcomes.push({ ok: true, value: batch[0]!.fn() });
        } catch (error) {
          if (steps.inTransaction()) steps.rollback();
          return [{ ok: false, error: translate(error) }];
        }
      } else {
        for (const p of batch) {
          steps.savepoint();
          try {
            const value = p.fn();
            steps.release();
            outcomes.push({ ok: true, value });
          } catch (error) {
            // An I/O error or a full disk can make SQLite roll back the whole transaction by
            // itself: then no request of the batch is kept, and each gets that error.
            if (!steps.inTransaction()) throw error;
            steps.rollbackToSavepoint();
            steps.release();
            outcomes.push({ ok: false, error: translate(error) });
          }
        }
      }
      steps.commit();
      return outcomes;
    } catch (err) {
      // BEGIN succeeded but a savepoint step or the COMMIT failed: nothing of the batch is
      // kept, and nobody is told otherwise.
      if (steps.inTransaction()) steps.rollback();
      throw translate(err);
    }
  };

  const flush = () => {
    scheduled = false;
    const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
    queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
    if (queue.length > 0) schedule();
    opts.onBatch?.(batch.length);
    exclusive(() => runBatch(batch)).then(
      (outcomes) =>
        outcomes.forEach((o, i) => (o.ok ? batch[i]!.resolve(o.value) : batch[i]!.reject(o.error))),
      (err: unknown) => batch.forEach((p) => p.reject(err)),
    );
  };
  const schedule = () => {
    scheduled = true;
    immediate(flush);
  };

  return <T>(fn: () => T): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!scheduled) schedule();
    });
}
