import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestAuthenticator } from '@passkeyd/test-authenticator';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CeremonyClient, startTestServer, type TestServer } from '../testing/index.js';
import { insertWebhookEndpoint } from '../testing/webhook-fixtures.js';

/**
 * The Node receiver printed in docs/webhooks.md, run as written (only its port is changed)
 * against a running passkeyd: what the docs tell app developers to copy must verify passkeyd's
 * deliveries, refuse a tampered one, and act once per webhook-id.
 */

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const ORIGIN = 'http://localhost:3000';

/** The first ```js block after the "A receiver in Node" heading. */
function receiverFromDocs(): string {
  const doc = readFileSync(join(ROOT, 'docs/webhooks.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## A receiver in Node'));
  const m = /```js\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error('docs/webhooks.md has no js block under "A receiver in Node"');
  // The one change: the port, so the test can run beside anything on 3001.
  expect(m[1]).toContain('.listen(3001);');
  return m[1]!.replace('.listen(3001);', ".listen(Number(process.env.PORT), '127.0.0.1');");
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('the Node receiver in docs/webhooks.md', () => {
  let server: TestServer;
  let receiver: ChildProcess;
  let output = '';
  let url: string;
  let secret: string;
  // Inside the repository, so that `import 'standardwebhooks'` resolves as in an app.
  const dir = join(ROOT, '.tmp', `docs-receiver-${randomUUID()}`);

  beforeAll(async () => {
    server = await startTestServer({
      origins: [ORIGIN],
      env: { PASSKEYD_WEBHOOK_ALLOW_PRIVATE: 'true' },
    });
    const port = await freePort();
    url = `http://127.0.0.1:${port}/`;
    ({ secret } = await insertWebhookEndpoint(server.server.storage.db, {
      appId: server.appId,
      url,
    }));
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'receiver.mjs');
    writeFileSync(file, receiverFromDocs());
    receiver = spawn(process.execPath, [file], {
      env: { PATH: process.env.PATH, PORT: String(port), PASSKEYD_WEBHOOK_SECRET: secret },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    receiver.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    receiver.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    // Up once it answers at all (what it answers is for the tests below).
    for (let i = 0; ; i++) {
      const ok = await fetch(url, { method: 'POST', body: '{}' }).then(
        () => true,
        () => false,
      );
      if (ok) break;
      if (i > 200) throw new Error(`the docs' receiver did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }, 60_000);

  afterAll(async () => {
    receiver?.kill();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const until = async (ok: () => boolean, ms: number) => {
    const end = Date.now() + ms;
    while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    return ok();
  };

  it("verifies passkeyd's delivery of a registration and prints it", async () => {
    const client = new CeremonyClient(server.baseUrl, server.appId, server.apiKey, ORIGIN);
    const externalId = `docs-${randomUUID()}`;
    expect((await client.register(new TestAuthenticator(), externalId)).status).toBe(200);
    // The endpoint was inserted behind the node's back: the delivery may wait for a poll (1 s).
    expect(await until(() => output.includes('passkey.registered'), 15_000)).toBe(true);
    expect(output).toContain(externalId);
  });

  it('refuses a tampered body with 400, and acts once on a repeated webhook-id', async () => {
    const wh = new Webhook(secret);
    const signed = (id: string) => {
      const body = JSON.stringify({
        type: 'passkey.renamed',
        timestamp: new Date().toISOString(),
        data: { marker: id },
      });
      const now = new Date();
      const headers = {
        'content-type': 'application/json',
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
        'webhook-signature': wh.sign(id, now, body),
      };
      return { body, headers };
    };
    const id = `msg_docs_${randomUUID()}`;
    const m = signed(id);
    const tampered = await fetch(url, {
      method: 'POST',
      headers: m.headers,
      body: m.body.replace('passkey.renamed', 'passkey.revoked'),
    });
    expect(tampered.status).toBe(400);
    for (let i = 0; i < 2; i++)
      expect((await fetch(url, { method: 'POST', ...m })).status).toBe(204);
    // A last message: once it is printed, everything before it is (stdout keeps its order).
    const last = `msg_docs_last_${randomUUID()}`;
    expect((await fetch(url, { method: 'POST', ...signed(last) })).status).toBe(204);
    expect(await until(() => output.includes(last), 5_000)).toBe(true);
    expect(output.split(id).length - 1).toBe(1);
    expect(output).not.toContain('passkey.revoked');
  });
});
