import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeWithRedis,
  probeRedis,
  scratchPrefix,
} from '../packages/server/src/http/rate-limit/scratch-redis.js';
import {
  buildServerIfStale,
  PASSKEYD_CLI,
  startNode,
  stopNode,
  type PasskeydNode,
} from './support/passkeyd-process.js';

/**
 * Two real `passkeyd serve` processes on one SQLite file and one Redis (PASSKEYD_REDIS_URL)
 * share the rate limits: the browser budget and the failed-credential count are one across the
 * nodes, where without Redis each node would allow the whole budget again (issue 12 item 5).
 */

const cli = PASSKEYD_CLI;
const ORIGIN = 'http://localhost:3000';
const MAX = 6;
const FAILURES = 4;
const run = promisify(execFile);

describeWithRedis(
  await probeRedis(process.env),
  process.env,
  'two passkeyd nodes sharing rate limits through Redis',
  (redisUrl) => {
    const prefix = scratchPrefix();
    const dir = mkdtempSync(join(tmpdir(), 'passkeyd-shared-limit-'));
    const nodes: PasskeydNode[] = [];
    let appId: string;
    let apiKey: string;

    beforeAll(async () => {
      buildServerIfStale();
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        DATABASE_URL: `sqlite:${join(dir, 'passkeyd.db')}`,
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'warn',
        PASSKEYD_REDIS_URL: redisUrl,
        PASSKEYD_REDIS_KEY_PREFIX: prefix,
        PASSKEYD_RATE_LIMIT_MAX: String(MAX),
        PASSKEYD_AUTH_FAILURE_LIMIT: String(FAILURES),
      };
      // One after the other: the first migrates the SQLite file.
      nodes.push(await startNode('A', env));
      nodes.push(await startNode('B', env));
      const { stdout } = await run(
        process.execPath,
        [
          cli,
          'app',
          'create',
          '--name',
          'Shared',
          '--rp-id',
          'localhost',
          '--origin',
          ORIGIN,
          '--json',
        ],
        { env },
      );
      ({ app_id: appId, api_key: apiKey } = JSON.parse(stdout) as {
        app_id: string;
        api_key: string;
      });
    }, 120_000);

    afterAll(async () => {
      try {
        await Promise.all(nodes.map(stopNode));
        const redis = new Redis(redisUrl);
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length) await redis.del(...keys);
        redis.disconnect();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    const signInStart = async (node: PasskeydNode) =>
      (
        await fetch(`${node.url}/v1/apps/${appId}/authenticate/transactions/webauthn/start`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: ORIGIN },
          body: '{}',
        })
      ).status;
    const listUsers = async (node: PasskeydNode, key: string) => {
      const r = await fetch(`${node.url}/v1/apps/${appId}/users`, {
        headers: { authorization: `Bearer ${key}` },
      });
      return { status: r.status, code: ((await r.json()) as { code?: string }).code };
    };

    it('spends one browser budget across both nodes', async () => {
      const [a, b] = nodes as [PasskeydNode, PasskeydNode];
      const statuses = [];
      // Alternating nodes: each alone would allow MAX requests, so 2 × MAX in all.
      for (let i = 0; i < MAX; i++) statuses.push(await signInStart(i % 2 ? b : a));
      expect(statuses).toEqual(Array<number>(MAX).fill(200));
      expect(await signInStart(a)).toBe(429);
      expect(await signInStart(b)).toBe(429);
      // The counters are in Redis, under this run's prefix.
      const redis = new Redis(redisUrl);
      try {
        expect((await redis.keys(`${prefix}b:*`)).length).toBeGreaterThan(0);
      } finally {
        redis.disconnect();
      }
    });

    it('counts failed API keys across both nodes', async () => {
      const [a, b] = nodes as [PasskeydNode, PasskeydNode];
      for (let i = 0; i < FAILURES; i++) {
        const r = await listUsers(i % 2 ? b : a, `${apiKey.slice(0, -4)}XXXX`);
        expect([r.status, r.code]).toEqual([401, 'invalid_access_token']);
      }
      expect(await listUsers(a, apiKey)).toMatchObject({ status: 429, code: 'rate_limited' });
      expect(await listUsers(b, apiKey)).toMatchObject({ status: 429, code: 'rate_limited' });
    });
  },
);
