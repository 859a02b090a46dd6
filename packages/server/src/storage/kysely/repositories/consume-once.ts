import type { Kysely } from 'kysely';
import type { ConsumeResult } from '../../../domain/ports.js';
import type { CeremonyKind } from '../../../domain/types.js';
import type { Database } from '../schema.js';

/**
 * Single use in one statement: the UPDATE matches only a live, unconsumed row, so of N
 * concurrent callers (on any number of nodes) exactly one gets it back. Only when nothing
 * matched do we read, to say why; that read decides no outcome.
 */
export async function consumeOnce<R>(
  database: Kysely<Database>,
  table: 'transactions' | 'handshakes',
  appId: string,
  id: string,
  kind: CeremonyKind,
  now: number,
  map: (r: never) => R,
): Promise<ConsumeResult<R>> {
  // Both tables share the columns used here; typing through one keeps Kysely's checks.
  const db = database as unknown as Kysely<Pick<Database, 'transactions'>>;
  const t = table as 'transactions';
  const r = await db
    .updateTable(t)
    .set({ consumed_at: now })
    .where('app_id', '=', appId)
    .where('id', '=', id)
    .where('kind', '=', kind)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', now)
    .returningAll()
    .executeTakeFirst();
  if (r) return { ok: true, value: map(r as never) };
  const seen = await db
    .selectFrom(t)
    .select(['consumed_at', 'expires_at', 'kind'])
    .where('app_id', '=', appId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!seen || seen.kind !== kind) return { ok: false, reason: 'not_found' };
  if (seen.consumed_at !== null) return { ok: false, reason: 'consumed' };
  return { ok: false, reason: 'expired' };
}
