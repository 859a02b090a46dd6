/**
 * Rows per multi-row INSERT and values per IN list in bulk operations: 500 credential rows bind
 * 8,500 parameters, within SQLite's 32,766 and PostgreSQL's 65,535.
 */
export const BULK_ROWS = 500;

/** Bulk-inserted rows after which the planner statistics of users and credentials are refreshed. */
export const ANALYZE_EVERY_ROWS = 20_000;

/** Runs a query per slice of `values` (bound parameters per statement stay far below the limits). */
export async function inChunks<V, R>(
  values: V[],
  query: (part: V[]) => Promise<R[]>,
): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < values.length; i += BULK_ROWS)
    out.push(...(await query(values.slice(i, i + BULK_ROWS))));
  return out;
}
