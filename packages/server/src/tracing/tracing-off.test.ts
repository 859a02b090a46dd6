import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../testing/index.js';

// The modules of the OpenTelemetry packages this process has loaded so far. They are CommonJS,
// so each one is in the CommonJS cache however it was imported.
const require = createRequire(import.meta.url);
const loaded = () => Object.keys(require.cache).filter((p) => p.includes('/@opentelemetry/'));

// One test file is one process (vitest's forks pool), and these run in order: first without an
// endpoint, then with one as the control that the check above sees the SDK at all.
describe('traces off', () => {
  it('should load no OpenTelemetry module when no OTLP endpoint is set', async () => {
    const server = await startTestServer({ origins: ['http://localhost:3000'] });
    try {
      const r = await fetch(`${server.baseUrl}/v1/apps/${server.appId}/transactions/register`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ external_id: 'off', passkey_display_name: 'off' }),
      });
      expect(r.status).toBe(201);
    } finally {
      await server.close();
    }
    expect(loaded()).toEqual([]);
  });

  it('should load the SDK once an endpoint is set (the control)', async () => {
    const server = await startTestServer({
      origins: ['http://localhost:3000'],
      // Nothing listens there; the spans of this test are dropped.
      env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:9/v1/traces' },
    });
    await server.close();
    expect(loaded().some((p) => p.includes('/@opentelemetry/sdk-trace-base/'))).toBe(true);
  });
});
