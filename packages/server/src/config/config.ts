import { readFileSync } from 'node:fs';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  host: string;
  port: number;
  databaseUrl: string;
  /** SQLite only: WAL checkpoints in a worker thread (background) or in the committing request. */
  sqliteCheckpoint: 'background' | 'inline';
  /** null: the admin API answers 403 admin_api_disabled (unless adminTokens has some). */
  adminToken: string | null;
  /** More admin tokens valid at once (rotation); the union with adminToken is accepted. */
  adminTokens: readonly string[];
  logLevel: LogLevel;
  transactionTtlSeconds: number;
  nonceTtlSeconds: number;
  discoverableChallengeTtlSeconds: number;
  purgeIntervalSeconds: number;
  /** false, true, a hop count, or a comma-separated list of proxy addresses/CIDRs. */
  trustProxy: boolean | number | string;
  rateLimitMax: number;
  rateLimitWindowSeconds: number;
  /** Failed credential attempts per client address per window before it gets 429 (0: off). */
  authFailureLimit: number;
  authFailureWindowSeconds: number;
  /** null: counters live in each node's memory. */
  redisUrl: string | null;
  redisKeyPrefix: string;
  /** Days an event is kept (0: forever). */
  eventRetentionDays: number;
  bodyLimitBytes: number;
  /** Largest passkey import body the admin API reads (the CLI reads files of any size). */
  importLimitBytes: number;
  keyCacheSize: number;
  /**
   * Longest an app's settings are served from memory while the cross-node change feed is down
   * (domain/apps/app-directory.ts).
   */
  appCacheMaxStaleSeconds: number;
  verifier: 'lean' | 'simplewebauthn';
  pgPoolSize: number;
  pgStatementTimeoutMs: number;
  metricsToken: string | null;
  /** More metrics tokens valid at once; the union with metricsToken is accepted. */
  metricsTokens: readonly string[];
  /** Minutes of inactivity after which an admin console session ends. */
  consoleIdleMinutes: number;
  /** Hours after sign-in at which an admin console session ends, however busy. */
  consoleSessionMaxHours: number;
  /** false: no Swagger UI at /docs (/openapi.json stays). */
  docs: boolean;
  /** OTLP/HTTP base URL; traces go to <url>/v1/traces. null (and no tracesEndpoint): no traces. */
  otlpEndpoint: string | null;
  /** OTLP/HTTP URL for traces, used as is; wins over otlpEndpoint. */
  otlpTracesEndpoint: string | null;
  /** service.name of the spans; null: passkeyd (or service.name in OTEL_RESOURCE_ATTRIBUTES). */
  otelServiceName: string | null;
  /** true: no traces even with an endpoint (the SDK's own off switch). */
  otelSdkDisabled: boolean;
  /**
   * PEM file of the root(s) `passkeyd mds import` verifies a BLOB against instead of FIDO's
   * (tests, a private metadata service); null: the shipped FIDO MDS roots.
   */
  mdsRootCert: string | null;
  /** false: this node runs no webhook dispatcher (deliveries still queue, for other nodes). */
  webhooks: boolean;
  /**
   * true: webhook endpoints may be http:// and target loopback, private and link-local
   * addresses (tests, labs); false: https and public addresses only (docs/webhooks.md).
   */
  webhookAllowPrivate: boolean;
  /** Timeout of one delivery attempt, DNS lookup and response included. */
  webhookTimeoutMs: number;
  /** Deliveries a node claims and sends at once. */
  webhookConcurrency: number;
  /** Failed attempts in a row (with none accepted for 24 h) after which an endpoint is disabled. */
  webhookDisableAfterFailures: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

type Parser<T> = (raw: string) => T;

interface Setting<K extends keyof Config> {
  env: string;
  key: K;
  default: Config[K];
  doc: string;
  parse: Parser<Config[K]>;
}

const int =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min || v > max)
      throw new Error(`must be an integer from ${min} to ${max}`);
    return v;
  };
const oneOf =
  <T extends string>(...values: T[]): Parser<T> =>
  (raw) => {
    if (!values.includes(raw as T)) throw new Error(`must be one of ${values.join(', ')}`);
    return raw as T;
  };
const secret =
  (name: string): Parser<string | null> =>
  (raw) => {
    if (raw === '') return null;
    if (raw.length < 32)
      throw new Error(`${name} must be at least 32 characters (try: openssl rand -base64 32)`);
    return raw;
  };

const secrets =
  (name: string): Parser<readonly string[]> =>
  (raw) => {
    const list = raw
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
    for (const [i, t] of list.entries())
      if (t.length < 32)
        throw new Error(
          `${name}: token ${i + 1} must be at least 32 characters (try: openssl rand -base64 32)`,
        );
    return Object.freeze(list);
  };
const httpUrl: Parser<string | null> = (raw) => {
  if (raw === '') return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('must be an http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error('must be an http:// or https:// URL');
  return raw;
};
const bool: Parser<boolean> = (raw) => {
  if (/^(true|1|yes|on)$/i.test(raw)) return true;
  if (/^(false|0|no|off)$/i.test(raw)) return false;
  throw new Error('must be true or false');
};

function setting<K extends keyof Config>(s: Setting<K>): Setting<K> {
  return s;
}

/** Every setting, its environment variable, default and meaning: the source for --help and docs. */
export const SETTINGS = [
  setting({
    env: 'HOST',
    key: 'host',
    default: '127.0.0.1',
    doc: 'Address to listen on (0.0.0.0 for all interfaces).',
    parse: (s) => s,
  }),
  setting({
    env: 'PORT',
    key: 'port',
    default: 8787,
    doc: 'Port to listen on.',
    parse: int(0, 65535),
  }),
  setting({
    env: 'DATABASE_URL',
    key: 'databaseUrl',
    default: 'sqlite:./.data/passkeyd.db',
    doc: 'sqlite:<path> (embedded, default) or postgres://user@host:port/db.',
    parse: (s) => {
      if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(s))
        throw new Error('must start with sqlite: or postgres://');
      return s;
    },
  }),
  setting({
    env: 'PASSKEYD_SQLITE_CHECKPOINT',
    key: 'sqliteCheckpoint',
    default: 'background',
    doc: "SQLite: WAL checkpoints in a worker thread (background, default) or inside the commit that crosses 1000 pages (inline, SQLite's own behaviour).",
    parse: oneOf('background', 'inline'),
  }),
  setting({
    env: 'PASSKEYD_ADMIN_TOKEN',
    key: 'adminToken',
    default: null,
    doc: 'Bearer token for the admin API and console (>= 32 chars). Unset: admin API disabled.',
    parse: secret('PASSKEYD_ADMIN_TOKEN'),
  }),
  setting({
    env: 'PASSKEYD_ADMIN_TOKENS',
    key: 'adminTokens',
    default: [],
    doc: 'Several admin tokens valid at once, comma-separated (each >= 32 chars), for rotation; also valid with PASSKEYD_ADMIN_TOKEN.',
    parse: secrets('PASSKEYD_ADMIN_TOKENS'),
  }),
  setting({
    env: 'LOG_LEVEL',
    key: 'logLevel',
    default: 'info',
    doc: 'fatal, error, warn, info, debug, trace or silent.',
    parse: oneOf<LogLevel>('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
  }),
  setting({
    env: 'PASSKEYD_TRANSACTION_TTL_SECONDS',
    key: 'transactionTtlSeconds',
    default: 300,
    doc: 'Lifetime of register/authenticate transactions (an app may override).',
    parse: int(10, 86_400),
  }),
  setting({
    env: 'PASSKEYD_NONCE_TTL_SECONDS',
    key: 'nonceTtlSeconds',
    default: 300,
    doc: 'Lifetime of nonces returned by finished ceremonies.',
    parse: int(5, 3600),
  }),
  setting({
    env: 'PASSKEYD_DISCOVERABLE_CHALLENGE_TTL_SECONDS',
    key: 'discoverableChallengeTtlSeconds',
    default: 900,
    doc: 'Lifetime of challenges for sign-in without a transaction (modal and autofill).',
    parse: int(30, 86_400),
  }),
  setting({
    env: 'PASSKEYD_PURGE_INTERVAL_SECONDS',
    key: 'purgeIntervalSeconds',
    default: 60,
    doc: 'How often expired transactions, challenges and nonces (and old events) are deleted (0: never).',
    parse: int(0, 86_400),
  }),
  setting({
    env: 'PASSKEYD_EVENT_RETENTION_DAYS',
    key: 'eventRetentionDays',
    default: 90,
    doc: 'Events (sign-ins, failures) and audit-trail entries older than this many days are deleted by the purge (0: kept forever).',
    parse: int(0, 36_500),
  }),
  setting({
    env: 'PASSKEYD_TRUST_PROXY',
    key: 'trustProxy',
    default: false,
    doc: 'Trust X-Forwarded-For from: false, true (any), a hop count, or comma-separated proxy IPs/CIDRs.',
    parse: (s) =>
      s === 'true' ? true : s === 'false' || s === '' ? false : /^\d+$/.test(s) ? Number(s) : s,
  }),
  setting({
    env: 'PASSKEYD_RATE_LIMIT_MAX',
    key: 'rateLimitMax',
    default: 300,
    doc: 'Frontend (browser) API requests allowed per client address and app per window (0: off).',
    parse: int(0, 1_000_000),
  }),
  setting({
    env: 'PASSKEYD_RATE_LIMIT_WINDOW_SECONDS',
    key: 'rateLimitWindowSeconds',
    default: 60,
    doc: 'Rate-limit window.',
    parse: int(1, 86_400),
  }),
  setting({
    env: 'PASSKEYD_AUTH_FAILURE_LIMIT',
    key: 'authFailureLimit',
    default: 20,
    doc: 'Wrong API keys, admin or metrics tokens per client address per window; past it, credentialed requests get 429 (0: off).',
    parse: int(0, 1_000_000),
  }),
  setting({
    env: 'PASSKEYD_AUTH_FAILURE_WINDOW_SECONDS',
    key: 'authFailureWindowSeconds',
    default: 300,
    doc: 'Window of the failed-credential limit.',
    parse: int(1, 86_400),
  }),
  setting({
    env: 'PASSKEYD_REDIS_URL',
    key: 'redisUrl',
    default: null,
    doc: 'redis://host:port/db: nodes share rate-limit counters there. Unset: each node counts in memory.',
    parse: (s) => {
      if (s === '') return null;
      if (!/^rediss?:\/\//.test(s)) throw new Error('must start with redis:// or rediss://');
      return s;
    },
  }),
  setting({
    env: 'PASSKEYD_REDIS_KEY_PREFIX',
    key: 'redisKeyPrefix',
    default: 'passkeyd:',
    doc: 'Prefix of every Redis key; nodes sharing a budget use the same one.',
    parse: (s) => s,
  }),
  setting({
    env: 'PASSKEYD_BODY_LIMIT_BYTES',
    key: 'bodyLimitBytes',
    default: 65_536,
    doc: 'Largest accepted request body; larger ones get 413.',
    parse: int(1024, 10_485_760),
  }),
  setting({
    env: 'PASSKEYD_IMPORT_LIMIT_BYTES',
    key: 'importLimitBytes',
    // 64 MiB holds about 180 000 passkeys in passkeyd's format (100 000 are ~35 MB) and imports
    // in well under a minute; larger migrations go through the CLI or in several files.
    default: 67_108_864,
    doc: 'Largest passkey import body the admin API reads; larger ones get 413. The CLI has no limit.',
    parse: int(65_536, 4_294_967_296),
  }),
  setting({
    env: 'PASSKEYD_KEY_CACHE_SIZE',
    key: 'keyCacheSize',
    default: 10_000,
    doc: 'Imported public keys kept in memory for sign-in.',
    parse: int(1, 10_000_000),
  }),
  setting({
    env: 'PASSKEYD_APP_CACHE_MAX_STALE_SECONDS',
    key: 'appCacheMaxStaleSeconds',
    default: 5,
    doc: 'App settings are kept in memory and dropped on every node when changed; if that notification channel is down (PostgreSQL LISTEN), for at most this long.',
    parse: int(1, 3600),
  }),
  setting({
    env: 'PASSKEYD_VERIFIER',
    key: 'verifier',
    default: 'lean',
    doc: 'Sign-in verifier: lean (default) or simplewebauthn (reference, slower; for benchmarks).',
    parse: oneOf('lean', 'simplewebauthn'),
  }),
  setting({
    env: 'PASSKEYD_PG_POOL_SIZE',
    key: 'pgPoolSize',
    default: 10,
    doc: 'PostgreSQL connections per node.',
    parse: int(1, 1000),
  }),
  setting({
    env: 'PASSKEYD_PG_STATEMENT_TIMEOUT_MS',
    key: 'pgStatementTimeoutMs',
    default: 5000,
    doc: 'PostgreSQL statement timeout.',
    parse: int(100, 600_000),
  }),
  setting({
    env: 'PASSKEYD_METRICS_TOKEN',
    key: 'metricsToken',
    default: null,
    doc: 'Bearer token for /metrics (>= 32 chars). Unset: /metrics is off.',
    parse: secret('PASSKEYD_METRICS_TOKEN'),
  }),
  setting({
    env: 'PASSKEYD_METRICS_TOKENS',
    key: 'metricsTokens',
    default: [],
    doc: 'Several metrics tokens valid at once, comma-separated (each >= 32 chars); also valid with PASSKEYD_METRICS_TOKEN.',
    parse: secrets('PASSKEYD_METRICS_TOKENS'),
  }),
  setting({
    env: 'PASSKEYD_CONSOLE_IDLE_MINUTES',
    key: 'consoleIdleMinutes',
    default: 30,
    doc: 'Admin console sessions end after this many minutes without a request.',
    parse: int(1, 1440),
  }),
  setting({
    env: 'PASSKEYD_CONSOLE_SESSION_MAX_HOURS',
    key: 'consoleSessionMaxHours',
    default: 12,
    doc: 'Admin console sessions end this many hours after sign-in, even when in use.',
    parse: int(1, 720),
  }),
  setting({
    env: 'PASSKEYD_DOCS',
    key: 'docs',
    default: true,
    doc: 'Serve the Swagger UI at /docs (false: off; /openapi.json is always served).',
    parse: bool,
  }),
  // The OpenTelemetry SDK's own variable names, so a collector set up for other services works
  // unchanged; the SDK reads the rest (headers, sampler, batching) from the environment itself.
  setting({
    env: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    key: 'otlpEndpoint',
    default: null,
    doc: 'OTLP/HTTP collector base URL (e.g. http://127.0.0.1:4318): traces go to <url>/v1/traces. Unset: no traces.',
    parse: httpUrl,
  }),
  setting({
    env: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    key: 'otlpTracesEndpoint',
    default: null,
    doc: 'OTLP/HTTP URL for traces, used as is; wins over OTEL_EXPORTER_OTLP_ENDPOINT.',
    parse: httpUrl,
  }),
  setting({
    env: 'OTEL_SERVICE_NAME',
    key: 'otelServiceName',
    default: null,
    doc: 'service.name of the traces [default: passkeyd].',
    parse: (s) => (s === '' ? null : s),
  }),
  setting({
    env: 'OTEL_SDK_DISABLED',
    key: 'otelSdkDisabled',
    default: false,
    doc: 'true: no traces even when an OTLP endpoint is set.',
    parse: bool,
  }),
  setting({
    env: 'PASSKEYD_WEBHOOK_ALLOW_PRIVATE',
    key: 'webhookAllowPrivate',
    default: false,
    doc: 'true: webhook URLs may be http:// and name or resolve to loopback, private, link-local or other internal addresses (tests, labs).',
    parse: bool,
  }),
  setting({
    env: 'PASSKEYD_MDS_ROOT_CERT',
    key: 'mdsRootCert',
    default: null,
    doc: 'PEM file of the root `passkeyd mds import` trusts instead of the FIDO MDS root (testing, a private MDS).',
    parse: (s) => {
      let pem: string;
      try {
        pem = readFileSync(s, 'utf8');
      } catch (e) {
        throw new Error(`cannot read ${s}: ${(e as Error).message}`);
      }
      if (!pem.includes('-----BEGIN CERTIFICATE-----'))
        throw new Error(`${s} holds no PEM certificate`);
      return s;
    },
  }),
  setting({
    env: 'PASSKEYD_WEBHOOKS',
    key: 'webhooks',
    default: true,
    doc: 'Run the webhook dispatcher on this node (false: deliveries wait for another node).',
    parse: bool,
  }),
  setting({
    env: 'PASSKEYD_WEBHOOK_TIMEOUT_MS',
    key: 'webhookTimeoutMs',
    default: 10_000,
    doc: 'Timeout of one webhook delivery attempt in milliseconds, DNS lookup and response included.',
    parse: int(100, 120_000),
  }),
  setting({
    env: 'PASSKEYD_WEBHOOK_CONCURRENCY',
    key: 'webhookConcurrency',
    default: 16,
    doc: 'Webhook deliveries a node claims and sends at once.',
    parse: int(1, 256),
  }),
  setting({
    env: 'PASSKEYD_WEBHOOK_DISABLE_AFTER_FAILURES',
    key: 'webhookDisableAfterFailures',
    default: 20,
    doc: 'Disable a webhook endpoint after this many failed attempts in a row with none accepted for 24 hours.',
    parse: int(1, 100_000),
  }),
] as const;

/**
 * Reads configuration once: defaults, then an optional JSON file (PASSKEYD_CONFIG_FILE, keys are
 * the environment variable names), then the environment. Every problem is reported at once.
 */
export function loadConfig(env: Record<string, string | undefined> = {}): Readonly<Config> {
  const problems: string[] = [];
  let file: Record<string, unknown> = {};
  const filePath = env.PASSKEYD_CONFIG_FILE;
  if (filePath) {
    try {
      file = JSON.parse(readFileSync(filePath, 'utf8')) as Record<string, unknown>;
      for (const k of Object.keys(file)) {
        if (!SETTINGS.some((s) => s.env === k)) problems.push(`${filePath}: unknown setting ${k}`);
      }
    } catch (e) {
      problems.push(`PASSKEYD_CONFIG_FILE ${filePath}: ${(e as Error).message}`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const raw = env[s.env] ?? (file[s.env] === undefined ? undefined : String(file[s.env]));
    if (raw === undefined) {
      out[s.key] = s.default;
      continue;
    }
    try {
      out[s.key] = (s.parse as Parser<unknown>)(raw.trim());
    } catch (e) {
      problems.push(`${s.env}: ${(e as Error).message}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return Object.freeze(out as unknown as Config);
}

/** The settings table as text, for `passkeyd serve --help`. */
export function describeSettings(): string {
  return SETTINGS.map(
    (s) =>
      `  ${s.env.padEnd(44)} ${s.doc}${s.default === null || (Array.isArray(s.default) && s.default.length === 0) ? '' : ` [default: ${String(s.default)}]`}`,
  ).join('\n');
}
