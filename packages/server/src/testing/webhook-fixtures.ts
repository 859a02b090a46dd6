import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import type { Database } from '../storage/kysely/schema.js';

/**
 * Webhook test helpers: an endpoint row inserted directly (the admin API that creates endpoints
 * lives in another module) and a real HTTP receiver on 127.0.0.1 that records what it gets.
 * Tests that send to it must allow private targets (PASSKEYD_WEBHOOK_ALLOW_PRIVATE=true).
 */

/** A signing secret in the standardwebhooks package's format: whsec_ + base64 of 32 bytes. */
export const newWebhookSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;

export async function insertWebhookEndpoint(
  db: Kysely<Database>,
  e: {
    appId: string;
    url: string;
    secret?: string;
    eventTypes?: string[];
    previousSecret?: string;
    previousSecretExpiresAt?: number;
    now?: number;
  },
): Promise<{ id: string; secret: string }> {
  const id = `whe_${randomUUID().replaceAll('-', '')}`;
  const secret = e.secret ?? newWebhookSecret();
  const now = e.now ?? Date.now();
  await db
    .insertInto('webhook_endpoints')
    .values({
      id,
      app_id: e.appId,
      url: e.url,
      description: null,
      event_types: JSON.stringify(e.eventTypes ?? []),
      enabled: 1,
      disabled_reason: null,
      consecutive_failures: 0,
      secret,
      previous_secret: e.previousSecret ?? null,
      previous_secret_expires_at: e.previousSecretExpiresAt ?? null,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return { id, secret };
}

export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
  at: number;
}

export interface WebhookReceiver {
  url: string;
  port: number;
  received: ReceivedWebhook[];
  /** Distinct webhook-id values received, with how many times each came. */
  countsById(): Map<string, number>;
  /** Resolves once `n` distinct webhook-ids have arrived (or rejects after timeoutMs). */
  waitForIds(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a receiver; `answer` decides each response (default 204). `port` listens on a given
 * port (a receiver that comes back where it was).
 */
export async function startWebhookReceiver(
  answer: (req: IncomingMessage, res: ServerResponse, body: string) => void = (_q, res) => {
    res.statusCode = 204;
    res.end();
  },
  port = 0,
): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const waiters = new Set<() => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: req.headers as Record<string, string>, body, at: Date.now() });
      for (const w of waiters) w();
      answer(req, res, body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  const countsById = () => {
    const m = new Map<string, number>();
    for (const r of received) {
      const id = r.headers['webhook-id'] ?? '';
      m.set(id, (m.get(id) ?? 0) + 1);
    }
    return m;
  };
  return {
    url: `http://127.0.0.1:${actual}/hook`,
    port: actual,
    received,
    countsById,
    waitForIds: (n, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (countsById().size < n) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${countsById().size} of ${n} webhook ids received`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
