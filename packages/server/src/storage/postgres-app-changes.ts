import pg from 'pg';
import type { AppChanges } from '../domain/ports.js';

/** The channel migration 013's trigger on `apps` notifies, with the app id as payload. */
export const APP_CHANGES_CHANNEL = 'passkeyd_apps';
/** application_name of the LISTEN connection, so operators (and tests) can find it. */
export const APP_CHANGES_APPLICATION_NAME = 'passkeyd app changes';

export interface PostgresAppChangesOptions {
  connectionString: string;
  /** The directory's staleness bound: the feed is live only if confirmed within it. */
  maxStaleMs: number;
  /** First delay before reconnecting; doubles per failure up to maxBackoffMs. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Called when the connection is lost or cannot be made (logged by the caller). */
  onError?: (err: unknown) => void;
  now?: () => number;
}

/**
 * App changes on PostgreSQL: one dedicated connection per node runs `LISTEN passkeyd_apps`, and a
 * trigger on `apps` (migration 013) calls pg_notify in the writing transaction, so a notification
 * is sent exactly when the change commits, whoever made it (another node, the CLI, psql).
 *
 * A notification sent while this connection is down is lost, so: after every (re)connect the feed
 * reports "everything changed"; and a heartbeat (`SELECT 1` every third of the staleness bound)
 * confirms the connection. PostgreSQL delivers pending notifications before a query's result, so
 * a heartbeat answered means every change committed before it was sent has been received; the
 * feed is live only while the last such confirmation is younger than the staleness bound. A
 * connection that dies silently therefore costs at most that bound, as does one killed outright
 * (pg_terminate_backend) while the reconnect waits out its backoff.
 */
export function postgresAppChanges(opts: PostgresAppChangesOptions): AppChanges {
  const now = opts.now ?? (() => performance.now());
  const minBackoff = opts.minBackoffMs ?? 250;
  const maxBackoff = opts.maxBackoffMs ?? 10_000;
  const heartbeatMs = Math.max(100, Math.floor(opts.maxStaleMs / 3));
  let notify: (appId?: string) => void = () => {};
  let client: pg.Client | undefined;
  let confirmedAt = -Infinity;
  let backoff = minBackoff;
  let retry: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let closed = false;

  const drop = (c: pg.Client, err: unknown) => {
    if (client !== c) return;
    client = undefined;
    confirmedAt = -Infinity;
    if (heartbeat) clearInterval(heartbeat);
    heartbeat = undefined;
    c.end().catch(() => {});
    if (closed) return;
    opts.onError?.(err);
    retry = setTimeout(connect, backoff);
    retry.unref();
    backoff = Math.min(backoff * 2, maxBackoff);
  };

  // One heartbeat at a time: on a silent connection the unanswered one fails at its
  // query_timeout and drops the connection; a second sent meanwhile would only queue behind it
  // in pg (deprecated, refused by pg@9) and confirm nothing sooner.
  let beating: pg.Client | undefined;
  const beat = async (c: pg.Client) => {
    if (beating === c) return;
    beating = c;
    const sentAt = now();
    try {
      await c.query('SELECT 1');
      if (client === c) confirmedAt = sentAt;
    } catch (err) {
      drop(c, err);
    } finally {
      if (beating === c) beating = undefined;
    }
  };

  const connect = async () => {
    retry = undefined;
    if (closed) return;
    const c = new pg.Client({
      connectionString: opts.connectionString,
      application_name: APP_CHANGES_APPLICATION_NAME,
      connectionTimeoutMillis: Math.max(1000, heartbeatMs),
      // A heartbeat that gets no answer fails instead of hanging: the connection is gone.
      query_timeout: Math.max(1000, heartbeatMs),
      keepAlive: true,
    });
    client = c;
    c.on('error', (err) => drop(c, err));
    c.on('end', () => drop(c, new Error('LISTEN connection ended')));
    c.on('notification', (m) => {
      if (m.channel === APP_CHANGES_CHANNEL) notify(m.payload || undefined);
    });
    try {
      const sentAt = now();
      await c.connect();
      await c.query(`LISTEN ${APP_CHANGES_CHANNEL}`);
      if (client !== c) return;
      // Anything committed before LISTEN took effect was not heard: forget it all.
      notify();
      confirmedAt = sentAt;
      backoff = minBackoff;
      heartbeat = setInterval(() => void beat(c), heartbeatMs);
      heartbeat.unref();
    } catch (err) {
      drop(c, err);
    }
  };

  return {
    subscribe(changed) {
      notify = changed;
      void connect();
    },
    check() {},
    live: () => client !== undefined && now() - confirmedAt < opts.maxStaleMs,
    close: async () => {
      closed = true;
      if (retry) clearTimeout(retry);
      if (heartbeat) clearInterval(heartbeat);
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}
