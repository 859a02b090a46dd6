import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

describe('loadConfig', () => {
  it('loads defaults from an empty environment', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8787);
    expect(c.databaseUrl).toBe('sqlite:./.data/passkeyd.db');
    expect(c.adminToken).toBeNull();
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reports every bad variable in one error', () => {
    try {
      loadConfig({ PORT: 'eighty', PASSKEYD_ADMIN_TOKEN: 'short', DATABASE_URL: 'mysql://x' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const problems = (e as ConfigError).problems.join('\n');
      expect(problems).toMatch(/PORT/);
      expect(problems).toMatch(/PASSKEYD_ADMIN_TOKEN/);
      expect(problems).toMatch(/DATABASE_URL/);
    }
  });

  it('bounds the app cache staleness at 5 s by default, from 1 s to an hour', () => {
    expect(loadConfig({}).appCacheMaxStaleSeconds).toBe(5);
    expect(loadConfig({ PASSKEYD_APP_CACHE_MAX_STALE_SECONDS: '30' }).appCacheMaxStaleSeconds).toBe(
      30,
    );
    for (const bad of ['0', '3601', 'soon'])
      expect(() => loadConfig({ PASSKEYD_APP_CACHE_MAX_STALE_SECONDS: bad })).toThrow(
        /PASSKEYD_APP_CACHE_MAX_STALE_SECONDS/,
      );
  });

  it('parses trusted proxy forms', () => {
    expect(loadConfig({ PASSKEYD_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ PASSKEYD_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ PASSKEYD_TRUST_PROXY: '10.0.0.0/8' }).trustProxy).toBe('10.0.0.0/8');
  });
});

describe('token lists and switches', () => {
  const long = (c: string) => c.repeat(32);

  it('reads comma-separated admin and metrics tokens, ignoring blanks and spaces', () => {
    const c = loadConfig({
      PASSKEYD_ADMIN_TOKENS: ` ${long('a')} , ${long('b')},,`,
      PASSKEYD_METRICS_TOKENS: long('m'),
    });
    expect(c.adminTokens).toEqual([long('a'), long('b')]);
    expect(c.metricsTokens).toEqual([long('m')]);
    expect(loadConfig({}).adminTokens).toEqual([]);
  });

  it('refuses a short token in a list, naming its position but not the token', () => {
    try {
      loadConfig({ PASSKEYD_ADMIN_TOKENS: `${long('a')},short-secret` });
      expect.unreachable();
    } catch (e) {
      const problems = (e as ConfigError).problems.join('\n');
      expect(problems).toMatch(/PASSKEYD_ADMIN_TOKENS: token 2 must be at least 32 characters/);
      expect(problems).not.toContain('short-secret');
    }
  });

  it('has a 12-hour console session cap and /docs on by default; PASSKEYD_DOCS=false turns it off', () => {
    expect(loadConfig({}).consoleSessionMaxHours).toBe(12);
    expect(loadConfig({}).docs).toBe(true);
    expect(loadConfig({ PASSKEYD_DOCS: 'false' }).docs).toBe(false);
    expect(() => loadConfig({ PASSKEYD_DOCS: 'maybe' })).toThrow(/PASSKEYD_DOCS/);
    expect(() => loadConfig({ PASSKEYD_CONSOLE_SESSION_MAX_HOURS: '0' })).toThrow(
      /PASSKEYD_CONSOLE_SESSION_MAX_HOURS/,
    );
  });
});

describe('docs/configuration.md', () => {
  it('documents every setting', async () => {
    const { readFileSync } = await import('node:fs');
    const { SETTINGS } = await import('./config.js');
    const doc = readFileSync(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8');
    for (const s of SETTINGS)
      expect(doc, s.env).toMatch(new RegExp(`^\\|\\s*\`${s.env}\`\\s*\\|`, 'm'));
  });
});
