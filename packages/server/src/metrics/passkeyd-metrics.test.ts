import pg from 'pg';
import { expect, it } from 'vitest';
import { describeWithPostgres, probePostgres } from '../storage/scratch-postgres.js';
import { createPasskeydMetrics } from './passkeyd-metrics.js';

const probe = await probePostgres(process.env);

describeWithPostgres(probe, process.env, 'database pool metrics', (url) => {
  it('reports a PostgreSQL pool’s total, idle and waiting connections as they change', async () => {
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    const metrics = createPasskeydMetrics({
      poolStats: () => ({
        total: pool.totalCount,
        idle: pool.idleCount,
        waiting: pool.waitingCount,
      }),
    });
    try {
      const held = await Promise.all([pool.connect(), pool.connect()]);
      const third = pool.connect();
      const busy = metrics.registry.render();
      expect(busy).toContain('passkeyd_db_pool_connections{state="total"} 2');
      expect(busy).toContain('passkeyd_db_pool_connections{state="idle"} 0');
      expect(busy).toContain('passkeyd_db_pool_connections{state="waiting"} 1');
      held.forEach((c) => c.release());
      (await third).release();
      expect(metrics.registry.render()).toContain('passkeyd_db_pool_connections{state="idle"} 2');
    } finally {
      await pool.end();
    }
  });
});
