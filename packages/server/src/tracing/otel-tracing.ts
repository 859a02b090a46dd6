import { AsyncLocalStorage } from 'node:async_hooks';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { instrumentRequests } from './request-spans.js';
import { handWrittenStatementTracer, traceStatements } from './statement-spans.js';
import type { Tracing } from './tracing.js';

/**
 * The OpenTelemetry side of Tracing. The SDK reads the rest of its standard variables from the
 * environment itself: OTEL_EXPORTER_OTLP_HEADERS and _TIMEOUT, OTEL_TRACES_SAMPLER(_ARG),
 * OTEL_BSP_*, OTEL_RESOURCE_ATTRIBUTES. Nothing is registered globally (no global tracer provider
 * or context manager): the active span lives in this server's own AsyncLocalStorage, so two
 * servers in one process (tests) and a host application's own OpenTelemetry setup stay apart.
 */
export function createOtelTracing(opts: { url: string; serviceName: string | null }): Tracing {
  // Later resources win: OTEL_SERVICE_NAME over OTEL_RESOURCE_ATTRIBUTES over our default.
  const resource = defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'passkeyd' }))
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(
      opts.serviceName === null
        ? null
        : resourceFromAttributes({ [ATTR_SERVICE_NAME]: opts.serviceName }),
    );
  const provider = new BasicTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: opts.url }))],
  });
  const tracer = provider.getTracer('passkeyd');
  const store = new AsyncLocalStorage<Context>();
  const active = () => store.getStore() ?? ROOT_CONTEXT;
  return {
    instrument: (app) => instrumentRequests(app, tracer, store),
    traceDialect: (dialect, engine) => traceStatements(dialect, engine, tracer, active),
    statementTracer: (engine) => handWrittenStatementTracer(engine, tracer, active),
    inSpan: (name, fn) => {
      const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL }, ROOT_CONTEXT);
      return store.run(trace.setSpan(ROOT_CONTEXT, span), async () => {
        try {
          return await fn();
        } catch (err) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw err;
        } finally {
          span.end();
        }
      });
    },
    shutdown: () => provider.shutdown(),
  };
}
