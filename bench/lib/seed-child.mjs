// Seeds a database with another revision's seeder, in a process of its own: that seeder's
// `@passkeyd/server` then resolves to the revision's own storage layer, which matches the schema
// the revision's migrations made. `node seed-child.mjs SEED_MODULE`, the job as JSON on stdin
// ({ databaseUrl, appId, total, active }), the seeder's result as JSON on stdout.
import { pathToFileURL } from 'node:url';

const [, , seedModule] = process.argv;
let input = '';
for await (const chunk of process.stdin) input += chunk;
const job = JSON.parse(input);
const { seedPasskeys } = await import(pathToFileURL(seedModule).href);
const result = await seedPasskeys(job.databaseUrl, {
  appId: job.appId,
  total: job.total,
  active: job.active,
});
process.stdout.write(`${JSON.stringify(result)}\n`);
