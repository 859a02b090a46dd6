import { hostname } from 'node:os';
import { recordAudit } from '../audit.js';
import type { Clock, Storage } from '../ports.js';
import { randomToken } from '../secrets.js';
import { RETRY_SCHEDULE_MS, retryDelay } from './backoff.js';
import { buildPayload, messageId } from './payload.js';
import type { AttemptOutcome, ClaimedDelivery, WebhookTarget } from './queue-types.js';
import type { Send } from './send.js';
import { signedHeaders } from './signing.js';

export type DeliveryOutcome = 'delivered' | 'retry' | 'failed';

export interface DispatcherLog {
  warn(obj: object, msg: string): void;
  debug?(obj: object, msg: string): void;
}

export interface DispatcherOptions {
  storage: Storage;
  clock: Clock;
  send: Send;
  /** This node's name in leased_by; unique per process. */
  node?: string;
  /** Idle poll interval; a wake() cuts the wait short. */
  pollMs?: number;
  /** Deliveries claimed and sent at once. */
  concurrency?: number;
  /** How long a claim is held: an attempt's timeout plus a margin for writing its outcome. */
  leaseMs: number;
  schedule?: readonly number[];
  random?: () => number;
  /** An endpoint whose failures in a row reach this, none accepted for disableAfterMs, is disabled. */
  disableAfterFailures?: number;
  disableAfterMs?: number;
  onOutcome?(outcome: DeliveryOutcome): void;
  log?: DispatcherLog;
}

/** A wake() sooner than this after the last claim waits for it: bursts of events cost one claim. */
const MIN_WAKE_GAP_MS = 50;

/**
 * Delivers the webhook outbox (issue 15 item 3): claims due deliveries with a lease, sends each
 * once, records the outcome, and schedules retries with backoff. Every node runs one; the lease
 * makes each attempt belong to one node (item 4), and a node that dies leaves leases that expire,
 * so its deliveries are taken over: delivery is at least once, never lost.
 */
export class WebhookDispatcher {
  readonly node: string;
  readonly #o: Required<Omit<DispatcherOptions, 'onOutcome' | 'log' | 'node'>> &
    Pick<DispatcherOptions, 'onOutcome' | 'log'>;
  #running = false;
  #loop: Promise<void> | undefined;
  #wakeUp: (() => void) | undefined;
  #woken = false;
  #lastClaimAt = 0;
  /**
   * What the last claim said: is any endpoint enabled, on any node's database? While it said
   * none, wake() does nothing and only the poll claims (see wake()). Unknown before the first
   * claim, which start() makes at once: counted as yes.
   */
  #endpoints = true;

  constructor(opts: DispatcherOptions) {
    this.node = opts.node ?? `${hostname()}:${process.pid}:${randomToken(6)}`;
    this.#o = {
      pollMs: 1000,
      concurrency: 16,
      schedule: RETRY_SCHEDULE_MS,
      random: Math.random,
      disableAfterFailures: 20,
      disableAfterMs: 24 * 3_600_000,
      ...opts,
    };
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /**
   * Something was committed on this node: look for due deliveries now rather than at the poll.
   *
   * A no-op while the last claim found no enabled endpoint in the database (the common case of a
   * node whose instance uses no webhooks): deliveries are made only for enabled endpoints
   * (migration 012's triggers), so nothing can be due, and a claim per write would be wasted
   * round trips. Nothing is lost by it: an endpoint created or enabled on any node (or by the
   * CLI) is seen by this node's next poll (pollMs, 1 s), and every delivery made before then is
   * claimed by that poll's claim, since it is the claim that sees the endpoint; only the
   * deliveries of that first second wait for the poll instead of leaving on a wake. From then
   * on wakes count again, until a poll sees none enabled. A change through this node's admin API
   * need not wait for the poll: the webhook routes call endpointsChanged() instead.
   */
  wake(): void {
    if (!this.#endpoints) return;
    this.#woken = true;
    this.#wakeUp?.();
  }

  /**
   * An endpoint was created or enabled, or a delivery queued, through this node (the admin API's
   * webhook routes, via buildApp's afterWrite): wake now, and let wakes count again, even if the
   * last claim found no enabled endpoint; the claim this wake makes learns the truth. Costs no
   * query of its own. A claim already under way that answers "none" cannot undo it: the wake
   * set #woken after that claim began, so another claim follows at once.
   */
  endpointsChanged(): void {
    this.#endpoints = true;
    this.wake();
  }

  /**
   * Finishes the attempts under way (each is bounded by its timeout), then gives back any lease
   * this node still holds so other nodes need not wait for it to expire.
   */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    this.#wakeUp?.();
    await this.#loop;
    try {
      await this.#o.storage.webhookQueue.release(this.node);
    } catch (err) {
      this.#o.log?.warn({ err }, 'webhook dispatcher: could not release leases; they will expire');
    }
  }

  async #run(): Promise<void> {
    while (this.#running) {
      let n = 0;
      try {
        n = await this.runOnce();
      } catch (err) {
        this.#o.log?.warn({ err }, 'webhook dispatcher: claim failed; will retry');
      }
      // A full batch means more may be due: go on at once.
      if (n >= this.#o.concurrency || !this.#running) continue;
      await this.#sleep();
    }
  }

  #sleep(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.#o.pollMs);
      this.#wakeUp = () => {
        const wait = this.#lastClaimAt + MIN_WAKE_GAP_MS - Date.now();
        if (wait <= 0 || !this.#running) done();
        else {
          clearTimeout(timer);
          setTimeout(done, wait);
        }
      };
      if (this.#woken) this.#wakeUp();
    });
  }

  /** Claims one batch and makes one attempt of each; returns how many were claimed. */
  async runOnce(): Promise<number> {
    const { storage, clock } = this.#o;
    this.#woken = false;
    this.#lastClaimAt = Date.now();
    const { claimed, enabledEndpoints } = await storage.webhookQueue.claim({
      node: this.node,
      now: clock.now(),
      leaseMs: this.#o.leaseMs,
      limit: this.#o.concurrency,
    });
    this.#endpoints = enabledEndpoints;
    if (!claimed.length) return 0;
    const { targets, sources } = await storage.webhookQueue.load(claimed);
    await Promise.all(
      claimed.map(async (d) => {
        try {
          await this.#attempt(d, targets.get(d.endpointId), sources);
        } catch (err) {
          // The lease expires and another attempt follows: at least once, never lost.
          this.#o.log?.warn({ err, delivery_id: d.id }, 'webhook dispatcher: attempt not recorded');
        }
      }),
    );
    return claimed.length;
  }

  async #attempt(
    d: ClaimedDelivery,
    target: WebhookTarget | undefined,
    sources: Awaited<ReturnType<Storage['webhookQueue']['load']>>['sources'],
  ): Promise<void> {
    const { clock } = this.#o;
    // Deleted meanwhile: its deliveries went with it (ON DELETE CASCADE).
    if (!target) return;
    const source = sources.get(`${d.source}:${d.sourceId}`);
    const at = clock.now();
    if (!source) {
      // The event was purged by the retention period before it could be sent: nothing to send.
      await this.#settle(d, target, {
        status: 'failed',
        attemptAt: at,
        statusCode: null,
        latencyMs: null,
        error: 'the reported row is gone (purged by the retention period)',
        responseExcerpt: null,
      });
      return;
    }
    const body = JSON.stringify(buildPayload(d, source));
    const headers = signedHeaders({
      id: messageId(d),
      at,
      body,
      secret: target.secret,
      previousSecret: target.previousSecret,
      previousSecretExpiresAt: target.previousSecretExpiresAt,
    });
    const r = await this.#o.send({ url: target.url, headers, body });
    const after = clock.now();
    const delay = r.ok ? undefined : retryDelay(d.attempts + 1, this.#o.random, this.#o.schedule);
    await this.#settle(d, target, {
      status: r.ok ? 'delivered' : delay === undefined ? 'failed' : 'pending',
      attemptAt: at,
      ...(delay === undefined ? {} : { nextAttemptAt: after + delay }),
      statusCode: r.statusCode,
      latencyMs: r.latencyMs,
      error: r.error,
      responseExcerpt: r.excerpt,
    });
  }

  async #settle(d: ClaimedDelivery, target: WebhookTarget, o: AttemptOutcome): Promise<void> {
    const { storage, clock } = this.#o;
    const done = await storage.webhookQueue.complete(d.id, this.node, o);
    // Our lease was taken over (this attempt outlived it): the other node's attempt counts.
    if (!done) return;
    this.#o.onOutcome?.(o.status === 'pending' ? 'retry' : o.status);
    this.#o.log?.debug?.(
      {
        delivery_id: d.id,
        endpoint_id: d.endpointId,
        status: o.status,
        status_code: o.statusCode,
        error: o.error,
      },
      'webhook attempt',
    );
    if (o.status === 'delivered' || done.consecutiveFailures < this.#o.disableAfterFailures) return;
    const now = clock.now();
    const since = await storage.webhookQueue.lastSuccessOrChange(target.id);
    if (since === undefined || now - since < this.#o.disableAfterMs) return;
    const hours = Math.round((now - since) / 3_600_000);
    const reason = `${done.consecutiveFailures} failed attempts in a row, none accepted for ${hours} h`;
    const disabled = await storage.transaction(async (tx) => {
      if (!(await tx.webhookQueue.disableEndpoint(target.id, reason, now))) return false;
      await recordAudit(tx, {
        appId: target.appId,
        type: 'webhook.endpoint_disabled',
        actor: 'system',
        target: target.id,
        change: { reason, consecutive_failures: done.consecutiveFailures },
        now,
      });
      return true;
    });
    if (disabled)
      this.#o.log?.warn(
        { endpoint_id: target.id, app_id: target.appId, reason },
        'webhook endpoint disabled after repeated failures',
      );
  }
}
