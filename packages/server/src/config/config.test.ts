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

  it('parses trusted proxy forms', () => {
    expect(loadConfig({ PASSKEYD_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ PASSKEYD_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ PASSKEYD_TRUST_PROXY: '10.0.0.0/8' }).trustProxy).toBe('10.0.0.0/8');
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
