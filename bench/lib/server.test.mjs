import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { knownSettings, startServer } from './server.mjs';

// An older passkeyd, as far as the benchmark can tell: its `serve --help` lists fewer settings,
// and `serve` says nothing when it listens. It answers with the PASSKEYD_* settings it was given.
const dir = mkdtempSync(join(tmpdir(), 'bench-server-test-'));
const oldBin = join(dir, 'passkeyd.mjs');
writeFileSync(
  oldBin,
  `import { createServer } from 'node:http';
const [cmd, flag] = process.argv.slice(2);
if (cmd === 'serve' && flag === '--help') {
  console.log('Usage: passkeyd serve\\n\\nSettings:\\n  HOST          Address\\n  PORT          Port\\n  DATABASE_URL  Database\\n  LOG_LEVEL     Level\\n  PASSKEYD_PURGE_INTERVAL_SECONDS  Purge');
} else if (cmd === 'serve') {
  const given = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('PASSKEYD_')));
  createServer((req, res) => res.end(JSON.stringify(given))).listen(Number(process.env.PORT), process.env.HOST);
  process.on('SIGTERM', () => process.exit(0));
}
`,
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fetchJson = (url) =>
  new Promise((resolve, reject) =>
    get(url, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(JSON.parse(body)));
    }).on('error', reject),
  );

describe('starting another revision of passkeyd', () => {
  it('reads the settings it knows from its serve --help', async () => {
    expect([...(await knownSettings(oldBin))]).toEqual([
      'HOST',
      'PORT',
      'DATABASE_URL',
      'LOG_LEVEL',
      'PASSKEYD_PURGE_INTERVAL_SECONDS',
    ]);
  });

  it('passes only those, says which it dropped, and sees it listen without its log line', async () => {
    const server = await startServer({
      databaseUrl: 'sqlite:/nonexistent.db',
      bin: oldBin,
      env: { PASSKEYD_VERIFIER: 'simplewebauthn', PASSKEYD_PURGE_INTERVAL_SECONDS: '1' },
    });
    try {
      expect(await fetchJson(server.url)).toEqual({ PASSKEYD_PURGE_INTERVAL_SECONDS: '1' });
      expect(server.adaptations).toEqual([
        'PASSKEYD_RATE_LIMIT_MAX=0 not passed: this revision does not read it',
        'PASSKEYD_VERIFIER=simplewebauthn not passed: this revision does not read it',
      ]);
    } finally {
      await server.stop();
    }
  });
});
