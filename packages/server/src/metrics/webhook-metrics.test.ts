import { describe, expect, it } from 'vitest';
import { createPasskeydMetrics } from './passkeyd-metrics.js';

describe('webhook metrics', () => {
  it('queries the queue at scrape time, every scrape', async () => {
    let pending = 3;
    const now = 1_000_000;
    const m = createPasskeydMetrics({
      webhookQueue: async () => ({ pending, oldestPendingCreatedAt: now - 90_000 }),
      now: () => now,
    });
    m.webhookDeliveries.inc({ outcome: 'delivered' });
    m.webhookDeliveries.inc({ outcome: 'retry' }, 2);
    const first = await m.registry.collect();
    expect(first).toMatch(/^passkeyd_webhook_queue_depth 3$/m);
    expect(first).toMatch(/^passkeyd_webhook_oldest_pending_age_seconds 90$/m);
    expect(first).toMatch(/^passkeyd_webhook_deliveries_total\{outcome="delivered"\} 1$/m);
    expect(first).toMatch(/^passkeyd_webhook_deliveries_total\{outcome="retry"\} 2$/m);
    pending = 0;
    expect(await m.registry.collect()).toMatch(/^passkeyd_webhook_queue_depth 0$/m);
  });

  it('leaves the queue series out of a scrape whose query fails, rather than failing it', async () => {
    const m = createPasskeydMetrics({
      webhookQueue: async () => {
        throw new Error('database down');
      },
    });
    const text = await m.registry.collect();
    expect(text).not.toMatch(/passkeyd_webhook_queue_depth/);
    expect(text).toMatch(/^process_start_time_seconds /m);
  });
});
