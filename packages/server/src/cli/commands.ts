import { parseArgs } from 'node:util';
import { ConfigError, describeSettings, type Config } from '../config/config.js';
import { createApiKey, revokeApiKey } from '../domain/apps/api-keys.js';
import { createApp, deleteApp, getApp, updateApp } from '../domain/apps/apps.js';
import { appWellKnown } from '../domain/apps/well-known.js';
import type { AppSettingsInput } from '../domain/apps/app-settings.js';
import { systemClock } from '../domain/ports.js';
import type { AuthenticatorAttachment, UserVerificationPolicy } from '../domain/types.js';
import { adminAppToWire, apiKeyToWire, deletedAppRowsToWire } from '../http/presenters.js';
import { startServer, type RunningServer } from '../server.js';
import { readMdsRoots, runMds } from './mds.js';
import { EVENTS_EXPORT_HELP, EVENTS_EXPORT_OPTIONS, auditCli, runEventsExport } from './audit.js';
import type { KyselyStorage } from '../storage/kysely/kysely-storage.js';
import { migrateToLatest } from '../storage/kysely/migrations/index.js';
import { openStorage } from '../storage/open-storage.js';
import { BACKUP_HELP, BackupRefused, backupSqlite } from './backup.js';
import { makeOut, table } from './output.js';
import { PORTABILITY_HELPS, PORTABILITY_OPTIONS, runExport, runImport } from './import-export.js';
import { runWebhook, WEBHOOK_HELPS, WEBHOOK_OPTIONS } from './webhooks.js';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CliContext {
  config: Readonly<Config>;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Reads the configuration again, as at start-up (main.ts: environment and config file). */
  reloadConfig?: () => Readonly<Config>;
}

export const HELP = `passkeyd: self-hosted, Passage-compatible passkey service

Usage: passkeyd <command> [options]

Commands:
  serve                         Run the server (HTTP API, migrations at start-up)
  migrate                       Apply database migrations and exit
  backup FILE                   Copy the SQLite database to FILE while serving (docs/deploy.md)
  app create|list|show|update|delete
                                Manage apps
  app well-known|mobile         Files to host on an app's RP ID (docs/mobile.md)
  key create|list|revoke        Manage an app's API keys
  import | export               Move users and passkeys in and out of an app (docs/migration.md)
  mds import|show               Import the FIDO Metadata Service BLOB (docs/attestation.md)
  webhook create|list|delete|rotate-secret|test
                                Manage an app's webhook endpoints (docs/webhooks.md)
  events export                 The admin audit trail and passkey events as JSON lines (docs/audit.md)

Every command takes --help and --json (machine-readable output).
Configuration comes from the environment (see: passkeyd serve --help).`;

const APP_OPTIONS = {
  name: { type: 'string' },
  'rp-id': { type: 'string' },
  'rp-name': { type: 'string' },
  origin: { type: 'string', multiple: true },
  'related-origin': { type: 'string', multiple: true },
  'android-package': { type: 'string' },
  'apple-app-id': { type: 'string' },
  'user-verification': { type: 'string' },
  attachment: { type: 'string' },
  'timeout-ms': { type: 'string' },
  'transaction-ttl': { type: 'string' },
  hints: { type: 'string' },
  'prevent-last-passkey-removal': { type: 'string' },
  attestation: { type: 'string' },
  'aaguid-policy': { type: 'string' },
  aaguid: { type: 'string', multiple: true },
  'require-certified': { type: 'string' },
  json: { type: 'boolean' },
  yes: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const APP_HELP = `Options:
  --name NAME                 Display name of the app
  --rp-id DOMAIN              WebAuthn relying party ID (e.g. example.com, or localhost)
  --rp-name NAME              Relying party name shown by authenticators (default: --name)
  --origin URL                Allowed origin, exact scheme://host[:port] on the RP ID, or an
                              Android app's android:apk-key-hash:HASH; repeat for several
  --related-origin URL        https origin on another domain (WebAuthn Related Origin
                              Requests, served at /.well-known/webauthn); repeat for several
  --user-verification POLICY  required | preferred (default) | discouraged
  --attachment KIND           platform | cross-platform | any (default: any)
  --timeout-ms MS             Ceremony timeout (default 300000)
  --transaction-ttl SECONDS   Transaction lifetime (default: server setting)
  --hints LIST                Default WebAuthn hints, comma-separated, most preferred first:
                              security-key, client-device, hybrid ("" for none, the default)
  --prevent-last-passkey-removal true|false
                              Refuse revoking a user's last passkey unless forced (default false)
  --attestation KIND          none (default) | direct | enterprise (docs/attestation.md)
  --aaguid-policy POLICY      any (default) | allow | deny: which authenticator models may register
  --aaguid AAGUID             An AAGUID of the allow- or deny-list; repeat for several (replaces the list)
  --require-certified BOOL    true: only FIDO certified authenticators (needs the MDS BLOB)
  --json                      Print JSON`;

const HELPS: Record<string, string> = {
  serve: `Usage: passkeyd serve\n\nRuns the HTTP server. Settings (environment variables):\n${describeSettings()}\n\nOptional PASSKEYD_CONFIG_FILE names a JSON file with the same keys; the environment wins.\n\nSIGHUP re-reads the file and the environment and applies the admin and metrics tokens and LOG_LEVEL\nwithout a restart; keep those in the file to rotate them (the environment of a process is fixed).`,
  migrate:
    'Usage: passkeyd migrate [--json]\n\nApplies pending migrations to DATABASE_URL and exits.',
  'app create': `Usage: passkeyd app create --name NAME --rp-id DOMAIN --origin URL [--origin URL…] [options]\n\nCreates an app and its first API key (shown once).\n\n${APP_HELP}`,
  'app list': 'Usage: passkeyd app list [--json]',
  'app show': 'Usage: passkeyd app show APP_ID [--json]',
  'app delete':
    "Usage: passkeyd app delete APP_ID --yes [--json]\n\nDeletes the app and everything it holds, for good: its API keys first (its backend is refused\nfrom then on), webhook endpoints, events, ceremonies in progress, passkeys and users, a bounded\nbatch at a time so a running server's other apps keep working, then the app itself. The audit\ntrail keeps the record. Take a backup or an export first (docs/operations.md).",
  'app update': `Usage: passkeyd app update APP_ID [options]\n\nChanges the given settings; --origin and --related-origin replace the whole list.\n\n${APP_HELP}`,
  'app well-known':
    "Usage: passkeyd app well-known APP_ID\n\nPrints the /.well-known/webauthn JSON for the app's RP ID (the related origins of every app on it),\nto host at https://RP_ID/.well-known/webauthn if that path is not routed to passkeyd.",
  'app mobile':
    'Usage: passkeyd app mobile APP_ID [--android-package NAME] [--apple-app-id TEAMID.BUNDLE_ID] [--json]\n\nPrints the assetlinks.json statement (one per app, with the SHA-256 of each Android origin)\nand the apple-app-site-association webcredentials entry to host on the RP ID. passkeyd does\nnot store the package name or app ID; without them a placeholder is printed.',
  'key create':
    'Usage: passkeyd key create --app APP_ID [--name NAME] [--json]\n\nCreates an API key. The secret is printed once and never stored.',
  'key list': 'Usage: passkeyd key list --app APP_ID [--json]',
  'key revoke': 'Usage: passkeyd key revoke --app APP_ID KEY_ID [--json]',
  backup: BACKUP_HELP,
  'events export': EVENTS_EXPORT_HELP,
  ...PORTABILITY_HELPS,
  ...WEBHOOK_HELPS,
  'mds import':
    'Usage: passkeyd mds import FILE [--json]\n\nVerifies an MDS3 BLOB (the JWT from https://mds3.fidoalliance.org/) against the FIDO root\n(or PASSKEYD_MDS_ROOT_CERT) and stores it for every node. Run it monthly (docs/attestation.md).',
  'mds show':
    'Usage: passkeyd mds show [--json]\n\nThe stored BLOB: serial number, next update, entries.',
};

function appSettings(v: Record<string, unknown>): AppSettingsInput {
  const s: AppSettingsInput = {};
  if (v.name !== undefined) s.name = String(v.name);
  if (v['rp-id'] !== undefined) s.rpId = String(v['rp-id']);
  if (v['rp-name'] !== undefined) s.rpName = String(v['rp-name']);
  if (v.origin !== undefined) s.origins = v.origin as string[];
  if (v['related-origin'] !== undefined) s.relatedOrigins = v['related-origin'] as string[];
  if (v['user-verification'] !== undefined) {
    const uv = String(v['user-verification']);
    if (!['required', 'preferred', 'discouraged'].includes(uv))
      throw new UsageError('--user-verification must be required, preferred or discouraged');
    s.userVerification = uv as UserVerificationPolicy;
  }
  if (v.attachment !== undefined) {
    const a = String(v.attachment);
    if (!['platform', 'cross-platform', 'any'].includes(a))
      throw new UsageError('--attachment must be platform, cross-platform or any');
    s.authenticatorAttachment = a === 'any' ? null : (a as AuthenticatorAttachment);
  }
  if (v['timeout-ms'] !== undefined) s.ceremonyTimeoutMs = Number(v['timeout-ms']);
  if (v['transaction-ttl'] !== undefined) s.transactionTtlSeconds = Number(v['transaction-ttl']);
  if (v.hints !== undefined) {
    // Validated with the app's other settings (validateHints), so the CLI and API agree.
    s.hints = String(v.hints)
      .split(',')
      .map((h) => h.trim())
      .filter((h) => h !== '');
  }
  if (v['prevent-last-passkey-removal'] !== undefined) {
    const flag = String(v['prevent-last-passkey-removal']);
    if (flag !== 'true' && flag !== 'false')
      throw new UsageError('--prevent-last-passkey-removal must be true or false');
    s.preventLastPasskeyRemoval = flag === 'true';
  }
  if (v.attestation !== undefined) {
    const a = String(v.attestation);
    if (!['none', 'direct', 'enterprise'].includes(a))
      throw new UsageError('--attestation must be none, direct or enterprise');
    s.attestation = a as AppSettingsInput['attestation'];
  }
  if (v['aaguid-policy'] !== undefined) {
    const p = String(v['aaguid-policy']);
    if (!['any', 'allow', 'deny'].includes(p))
      throw new UsageError('--aaguid-policy must be any, allow or deny');
    s.aaguidPolicy = p as AppSettingsInput['aaguidPolicy'];
  }
  if (v.aaguid !== undefined) s.aaguids = v.aaguid as string[];
  if (v['require-certified'] !== undefined) {
    const c = String(v['require-certified']);
    if (c !== 'true' && c !== 'false')
      throw new UsageError('--require-certified must be true or false');
    s.requireFidoCertified = c === 'true';
  }
  return s;
}

async function withStorage<T>(ctx: CliContext, fn: (s: KyselyStorage) => Promise<T>): Promise<T> {
  const storage = await openStorage({
    databaseUrl: ctx.config.databaseUrl,
    pg: { poolSize: 2, statementTimeoutMs: ctx.config.pgStatementTimeoutMs },
  });
  try {
    return await fn(storage);
  } finally {
    await storage.close();
  }
}

/** Runs one CLI command; returns the exit code. `serve` resolves only when the server stops. */
export async function runCommand(argv: string[], ctx: CliContext): Promise<number> {
  const [group, maybeSub, ...rest] = argv;
  if (!group || group === '--help' || group === '-h' || group === 'help') {
    ctx.stdout(`${HELP}\n`);
    return group ? 0 : 1;
  }
  const twoLevel =
    group === 'app' ||
    group === 'key' ||
    group === 'mds' ||
    group === 'webhook' ||
    group === 'events';
  const name = twoLevel ? `${group} ${maybeSub ?? ''}`.trim() : group;
  const args = twoLevel ? rest : [maybeSub, ...rest].filter((a): a is string => a !== undefined);
  if (!(name in HELPS)) throw new UsageError(`unknown command "${name}". Run passkeyd --help.`);
  const { values: v, positionals } = parseArgs({
    args,
    options: {
      ...APP_OPTIONS,
      ...PORTABILITY_OPTIONS,
      ...WEBHOOK_OPTIONS,
      ...EVENTS_EXPORT_OPTIONS,
      app: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (v.help) {
    ctx.stdout(`${HELPS[name]}\n`);
    return 0;
  }
  const out = makeOut(Boolean(v.json), ctx.stdout);
  const deps = (storage: KyselyStorage) => ({ storage, clock: systemClock });
  // Every CLI command that changes something records it as `cli:<os user>` (docs/audit.md).
  const audit = (storage: KyselyStorage, e: Parameters<typeof auditCli>[2]) =>
    auditCli(storage, ctx.stderr, e);

  switch (name) {
    case 'serve':
      return serve(ctx);
    case 'import':
    case 'export': {
      const pctx = {
        stdout: ctx.stdout,
        stderr: ctx.stderr,
        out,
        withStorage: <T>(fn: (s: KyselyStorage) => Promise<T>) => withStorage(ctx, fn),
        progress: !v.json && Boolean(process.stderr.isTTY),
        audit: (storage: Parameters<typeof auditCli>[0], e: Parameters<typeof auditCli>[2]) =>
          auditCli(storage, ctx.stderr, e),
      };
      return (name === 'import' ? runImport : runExport)(
        v,
        positionals,
        pctx,
        (m) => new UsageError(m),
      );
    }
    case 'mds import':
    case 'mds show':
      return withStorage(ctx, (storage) =>
        runMds(name, positionals, {
          storage,
          out,
          rootCertificates: readMdsRoots(ctx.config.mdsRootCert),
          usage: (m) => new UsageError(m),
          audit: (e) => audit(storage, e),
        }),
      );
    case 'webhook create':
    case 'webhook list':
    case 'webhook delete':
    case 'webhook rotate-secret':
    case 'webhook test':
      return withStorage(ctx, (storage) =>
        runWebhook(name, v, positionals, {
          storage,
          out,
          allowPrivate: ctx.config.webhookAllowPrivate,
          usage: (m) => new UsageError(m),
        }),
      );
    case 'events export':
      return runEventsExport(v, {
        stdout: ctx.stdout,
        stderr: ctx.stderr,
        withStorage: (fn) => withStorage(ctx, fn),
        usage: (m) => new UsageError(m),
      });
    case 'backup': {
      const file = positionals[0];
      if (!file || positionals.length > 1) throw new UsageError('backup needs one FILE');
      try {
        const r = await backupSqlite(ctx.config.databaseUrl, file);
        out.print(r, () => `backed up ${r.pages} pages (${r.bytes} bytes) to ${r.file}`);
        return 0;
      } catch (err) {
        if (!(err instanceof BackupRefused)) throw err;
        ctx.stderr(`passkeyd: ${err.message}\n`);
        return 2;
      }
    }
    case 'migrate':
      return withStorage(ctx, async (s) => {
        const applied = await migrateToLatest(s.db as never);
        out.print({ applied }, () =>
          applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date',
        );
        return 0;
      });
    case 'app create': {
      const s = appSettings(v);
      if (!s.name || !s.rpId || !s.origins?.length)
        throw new UsageError('app create needs --name, --rp-id and at least one --origin');
      return withStorage(ctx, async (storage) => {
        const { app, apiKey } = await createApp(
          { ...s, name: s.name!, rpId: s.rpId!, origins: s.origins! },
          deps(storage),
        );
        await audit(storage, {
          appId: app.id,
          type: 'admin.app.created',
          target: app.id,
          change: s,
        });
        warn(ctx, adminAppToWire(app).warnings);
        out.print(
          {
            app_id: app.id,
            api_key: apiKey.secret,
            api_key_id: apiKey.key.id,
            app: adminAppToWire(app),
          },
          () =>
            [
              `app_id   ${app.id}`,
              `api_key  ${apiKey.secret}`,
              '',
              'The API key is shown once; store it now.',
            ].join('\n'),
        );
        return 0;
      });
    }
    case 'app list':
      return withStorage(ctx, async (storage) => {
        const apps = (await storage.apps.list()).map(adminAppToWire);
        out.print({ apps }, () =>
          table(
            apps.map((a) => ({ ...a, origins: a.origins.join(' ') })),
            ['id', 'name', 'rp_id', 'origins'],
          ),
        );
        return 0;
      });
    case 'app show':
    case 'app update': {
      const appId = positionals[0];
      if (!appId) throw new UsageError(`${name} needs an APP_ID`);
      return withStorage(ctx, async (storage) => {
        const app =
          name === 'app show'
            ? await getApp(storage, appId)
            : await updateApp(appId, appSettings(v), deps(storage));
        if (name === 'app update')
          await audit(storage, {
            appId,
            type: 'admin.app.updated',
            target: appId,
            change: appSettings(v),
          });
        const w = adminAppToWire(app);
        warn(ctx, w.warnings);
        out.print({ app: w }, () =>
          Object.entries(w)
            .map(
              ([k, val]) => `${k.padEnd(24)} ${Array.isArray(val) ? val.join(' ') : String(val)}`,
            )
            .join('\n'),
        );
        return 0;
      });
    }
    case 'app delete': {
      const appId = positionals[0];
      if (!appId || positionals.length > 1) throw new UsageError('app delete needs one APP_ID');
      // Irreversible, and one mistyped id away from another app: say so instead of guessing.
      if (!v.yes)
        throw new UsageError(
          `app delete removes app ${appId} with all its users and passkeys for good; add --yes to go ahead (passkeyd backup FILE first keeps a copy)`,
        );
      return withStorage(ctx, async (storage) => {
        const app = await getApp(storage, appId);
        const deleted = deletedAppRowsToWire(await deleteApp(appId, deps(storage)));
        await audit(storage, {
          appId,
          type: 'admin.app.deleted',
          target: appId,
          change: { deleted },
        });
        out.print(
          { app_id: appId, deleted },
          () =>
            `deleted app ${appId} (${app.name}): ${Object.entries(deleted)
              .map(([k, n]) => `${n} ${k.replaceAll('_', ' ')}`)
              .join(', ')}`,
        );
        return 0;
      });
    }
    case 'app well-known':
    case 'app mobile': {
      const appId = positionals[0];
      if (!appId) throw new UsageError(`${name} needs an APP_ID`);
      return withStorage(ctx, async (storage) => {
        const { rpId } = await getApp(storage, appId);
        const w = await appWellKnown(storage, appId, {
          androidPackage: v['android-package'],
          appleAppId: v['apple-app-id'],
        });
        warn(ctx, w.warnings);
        if (name === 'app well-known') {
          // The file itself, so `passkeyd app well-known APP > webauthn` is ready to host.
          ctx.stdout(`${JSON.stringify(w.webauthn, null, 2)}\n`);
          return 0;
        }
        const files = {
          assetlinks: w.assetlinks,
          apple_app_site_association: w.appleAppSiteAssociation,
        };
        out.print(files, () =>
          [
            `# https://${rpId}/.well-known/assetlinks.json`,
            w.assetlinks.length
              ? JSON.stringify(w.assetlinks, null, 2)
              : '(no android:apk-key-hash: origin in the app; add one with app update --origin)',
            '',
            `# https://${rpId}/.well-known/apple-app-site-association (merge into an existing file)`,
            JSON.stringify(w.appleAppSiteAssociation, null, 2),
          ].join('\n'),
        );
        return 0;
      });
    }
    case 'key create':
    case 'key list':
    case 'key revoke': {
      const appId = v.app;
      if (!appId) throw new UsageError(`${name} needs --app APP_ID`);
      return withStorage(ctx, async (storage) => {
        await getApp(storage, appId);
        if (name === 'key create') {
          const { key, secret } = await createApiKey(appId, v.name ?? 'default', deps(storage));
          await audit(storage, {
            appId,
            type: 'admin.api_key.created',
            target: key.id,
            change: { name: key.name },
          });
          out.print(
            { api_key: secret, key: apiKeyToWire(key) },
            () =>
              `api_key  ${secret}\nid       ${key.id}\n\nThe API key is shown once; store it now.`,
          );
        } else if (name === 'key list') {
          const keys = (await storage.apiKeys.list(appId)).map(apiKeyToWire);
          out.print({ keys }, () =>
            table(keys, ['id', 'name', 'prefix', 'created_at', 'last_used_at', 'revoked_at']),
          );
        } else {
          const keyId = positionals[0];
          if (!keyId) throw new UsageError('key revoke needs a KEY_ID');
          await revokeApiKey(appId, keyId, deps(storage));
          await audit(storage, { appId, type: 'admin.api_key.revoked', target: keyId });
          out.print({ revoked: keyId }, () => `revoked ${keyId}`);
        }
        return 0;
      });
    }
  }
  throw new UsageError(`unknown command "${name}"`);
}

function warn(ctx: CliContext, warnings: readonly string[]): void {
  for (const w of warnings) ctx.stderr(`warning: ${w}\n`);
}

async function serve(ctx: CliContext): Promise<number> {
  // SIGHUP re-reads the configuration and swaps in the admin and metrics tokens and the log
  // level (issue 16, item 5); its default action would end the process, so the handler is in
  // place before start-up (a SIGHUP then is applied once the server listens). Nothing is
  // closed: open connections and requests in flight carry on. A configuration that does not
  // load is refused whole and the running one kept, so a typo cannot lock operators out.
  let server: RunningServer | undefined;
  let pending = false;
  const reload = () => {
    if (!server) {
      pending = true;
      return;
    }
    if (!ctx.reloadConfig) return;
    try {
      server.reload(ctx.reloadConfig());
    } catch (err) {
      server.app.log.error(
        err instanceof ConfigError ? { problems: err.problems } : { err },
        'configuration reload failed: keeping the current settings',
      );
    }
  };
  process.on('SIGHUP', reload);
  try {
    server = await startServer(ctx.config);
  } catch (err) {
    process.off('SIGHUP', reload);
    throw err;
  }
  const running = server;
  ctx.stderr(
    `passkeyd listening on ${running.url} (storage: ${running.storage.engine}; API: ${running.url}/v1, docs: ${running.url}/docs)\n`,
  );
  if (pending) reload();
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      running.app.log.info({ signal }, 'shutting down: draining requests');
      // The SIGHUP handler stays while draining: without it a SIGHUP would end the process.
      running
        .close()
        .then(
          () => 0,
          (err: unknown) => {
            ctx.stderr(`shutdown failed: ${String(err)}\n`);
            return 1;
          },
        )
        .then((code) => {
          process.off('SIGHUP', reload);
          resolve(code);
        });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
