import type { AppDirectoryStats } from '../domain/apps/app-directory.js';
import { Counter, Gauge, Histogram, Registry } from './registry.js';

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

/** Seconds; sign-in finishes take ~1-5 ms on SQLite, so the low buckets are fine-grained. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Every metric passkeyd exports (docs/operations.md, "Metrics"). */
export function createPasskeydMetrics(
  opts: {
    poolStats?: () => PoolStats | undefined;
    appCache?: () => AppDirectoryStats;
    /** The webhook queue, queried at scrape time (Storage.webhookQueue.stats). */
    webhookQueue?: () => Promise<{ pending: number; oldestPendingCreatedAt: number | null }>;
    now?: () => number;
    startedAt?: number;
  } = {},
) {
  const registry = new Registry();
  const startedAt = opts.startedAt ?? Date.now();
  const now = opts.now ?? Date.now;
  let queue: { pending: number; oldestPendingCreatedAt: number | null } | undefined;
  const readQueue = opts.webhookQueue;
  if (readQueue)
    registry.addCollector(async () => {
      // A failing query leaves the queue series out of this scrape rather than failing it.
      queue = await readQueue().catch(() => undefined);
    });
  return {
    registry,
    requests: registry.add(
      new Counter(
        'passkeyd_http_requests_total',
        'HTTP requests by route template, method and status.',
        ['route', 'method', 'status'],
      ),
    ),
    ceremonies: registry.add(
      new Counter(
        'passkeyd_ceremonies_total',
        'Ceremony steps by kind (register, authenticate), step (transaction, start, finish) and outcome (ok or the error code).',
        ['kind', 'step', 'outcome'],
      ),
    ),
    stepLatency: registry.add(
      new Histogram(
        'passkeyd_ceremony_step_duration_seconds',
        'Time to answer a ceremony step, by kind and step.',
        ['kind', 'step'],
        LATENCY_BUCKETS,
      ),
    ),
    nonceVerifications: registry.add(
      new Counter(
        'passkeyd_nonce_verifications_total',
        'Nonce verifications (authenticate/verify) by outcome (ok or the error code).',
        ['outcome'],
      ),
    ),
    rateLimited: registry.add(
      new Counter(
        'passkeyd_rate_limited_total',
        'Requests refused by the rate limiter (429), by route template.',
        ['route'],
      ),
    ),
    auditFailures: registry.add(
      new Counter(
        'passkeyd_audit_record_failures_total',
        'Admin actions that were done but could not be written to the audit trail, by audit type.',
        ['type'],
      ),
    ),
    pool: registry.add(
      new Gauge(
        'passkeyd_db_pool_connections',
        'Database pool connections by state (total, idle, waiting clients); PostgreSQL only.',
        () => {
          const s = opts.poolStats?.();
          return s
            ? [
                { labels: { state: 'total' }, value: s.total },
                { labels: { state: 'idle' }, value: s.idle },
                { labels: { state: 'waiting' }, value: s.waiting },
              ]
            : [];
        },
      ),
    ),
    appCache: [
      // Read from the directory at scrape time: nothing is added to the request path.
      registry.add(
        new Gauge(
          'passkeyd_app_cache_lookups_total',
          'App settings lookups by result: hit (served from memory) or miss (read from the database).',
          () => {
            const s = opts.appCache?.();
            return s
              ? [
                  { labels: { result: 'hit' }, value: s.hits },
                  { labels: { result: 'miss' }, value: s.misses },
                ]
              : [];
          },
          'counter',
        ),
      ),
      registry.add(
        new Gauge(
          'passkeyd_app_cache_feed_up',
          '1 while the cross-node app change feed is live (PostgreSQL LISTEN connection confirmed), else 0: cached apps then expire after PASSKEYD_APP_CACHE_MAX_STALE_SECONDS.',
          () => {
            const s = opts.appCache?.();
            return s ? [{ value: s.live ? 1 : 0 }] : [];
          },
        ),
      ),
    ],
    webhookDeliveries: registry.add(
      new Counter(
        'passkeyd_webhook_deliveries_total',
        'Webhook delivery attempts made by this node, by outcome (delivered, retry: failed with a retry scheduled, failed: no retry left).',
        ['outcome'],
      ),
    ),
    webhookQueueDepth: registry.add(
      new Gauge(
        'passkeyd_webhook_queue_depth',
        'Webhook deliveries pending (to enabled endpoints), all nodes together.',
        () => (queue ? [{ value: queue.pending }] : []),
      ),
    ),
    webhookOldestPending: registry.add(
      new Gauge(
        'passkeyd_webhook_oldest_pending_age_seconds',
        'Age of the oldest pending webhook delivery in seconds (0 when none is pending).',
        () =>
          queue
            ? [
                {
                  value:
                    queue.oldestPendingCreatedAt === null
                      ? 0
                      : Math.max(0, (now() - queue.oldestPendingCreatedAt) / 1000),
                },
              ]
            : [],
      ),
    ),
    process: [
      registry.add(
        new Gauge(
          'process_start_time_seconds',
          'Start time of the process since the epoch, in seconds.',
          () => [{ value: Math.floor(startedAt / 1000) }],
        ),
      ),
      registry.add(
        new Gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', () => [
          { value: process.memoryUsage.rss() },
        ]),
      ),
    ],
  };
}

export type PasskeydMetrics = ReturnType<typeof createPasskeydMetrics>;

declare module 'fastify' {
  interface FastifyInstance {
    /** Set when metrics are on (a metrics token at start-up); undefined otherwise. */
    passkeydMetrics?: PasskeydMetrics;
  }
}
