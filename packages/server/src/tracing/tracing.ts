import type { FastifyInstance } from 'fastify';
import type { Dialect } from 'kysely';
import type { Config } from '../config/config.js';
import type { StatementTracer } from './statement-spans.js';

/**
 * What the rest of the server sees of OpenTelemetry. Only types come from here; the SDK itself
 * is in ./otel-tracing.ts, which is imported only when an endpoint is configured.
 */
export interface Tracing {
  /** Opens a server span per request. Register before any other hook, so they all run in it. */
  instrument(app: FastifyInstance): void;
  /** Wraps a storage dialect so each statement inside a span becomes a child span of it. */
  traceDialect(dialect: Dialect, engine: 'sqlite' | 'postgres'): Dialect;
  /** The same for the hand-written ceremony statements (storage/ceremonies), which bypass Kysely. */
  statementTracer(engine: 'sqlite' | 'postgres'): StatementTracer;
  /** Runs `fn` inside a root span of its own (work no request started, such as the purge). */
  inSpan<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Exports the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}

/**
 * The OTLP/HTTP traces URL, or null when traces are off. The OpenTelemetry spec: the
 * signal-specific variable "MUST be used as-is", while the generic one is a base URL to which
 * the exporter appends `v1/traces`.
 */
export function tracesUrl(
  config: Pick<Config, 'otlpEndpoint' | 'otlpTracesEndpoint' | 'otelSdkDisabled'>,
): string | null {
  if (config.otelSdkDisabled) return null;
  if (config.otlpTracesEndpoint) return config.otlpTracesEndpoint;
  if (config.otlpEndpoint) return `${config.otlpEndpoint.replace(/\/+$/, '')}/v1/traces`;
  return null;
}

/**
 * Starts the tracer provider when an OTLP endpoint is configured, else returns undefined and
 * loads nothing: a server without traces never imports the SDK, and its hot path has no hooks.
 */
export async function startTracing(config: Readonly<Config>): Promise<Tracing | undefined> {
  const url = tracesUrl(config);
  if (url === null) return undefined;
  const { createOtelTracing } = await import('./otel-tracing.js');
  return createOtelTracing({ url, serviceName: config.otelServiceName });
}
