#!/usr/bin/env node
// Writes docs/openapi.json from the route schemas (the same document GET /openapi.json serves).
import { writeFileSync } from 'node:fs';
import { buildApp, domainDeps, loadConfig, openStorage } from '@passkeyd/server';

const config = loadConfig({ DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent' });
const storage = await openStorage({ databaseUrl: config.databaseUrl });
const app = await buildApp({ ...domainDeps(config, storage), config }, { logger: false });
await app.ready();
const out = new URL('../docs/openapi.json', import.meta.url);
writeFileSync(out, `${JSON.stringify(app.swagger(), null, 2)}\n`);
await app.close();
await storage.close();
console.log(`wrote ${out.pathname}`);
