import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { configureLineage, resetLineageConfig } from '../../src/index.js';

/** Default OTLP/HTTP traces endpoint of `agent-lineage serve`. */
export const DEFAULT_OTLP_URL = 'http://127.0.0.1:4318/v1/traces';

/**
 * Pseudonym key the examples use when `LINEAGE_PSEUDONYM_KEY` is not set. A demo value:
 * a deployment keeps its key in a secret store, because whoever holds it can link
 * pseudonyms back to people.
 */
export const DEMO_PSEUDONYM_KEY = 'agent-lineage-demo-pseudonym-key-0001';

/** Options of {@link startExampleTracing}. */
export interface ExampleTracingOptions {
  /** OTLP/HTTP (protobuf) traces URL, e.g. `http://127.0.0.1:4318/v1/traces`. */
  readonly otlpUrl: string;
  /** HMAC key for actor and recipient pseudonyms (≥ 16 bytes). */
  readonly pseudonymKey?: string;
}

/** Tracing of one example process (or one test file). */
export interface ExampleTracing {
  readonly provider: NodeTracerProvider;
  /** Exports every ended span now; resolves once the receiver acknowledged them. */
  flush(): Promise<void>;
  /** Flushes, shuts the provider down and restores the OpenTelemetry and SDK globals. */
  shutdown(): Promise<void>;
}

/** The OTLP traces URL from `LINEAGE_OTLP_URL`, else {@link DEFAULT_OTLP_URL}. */
export function otlpUrlFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const url = env.LINEAGE_OTLP_URL;
  return url !== undefined && url !== '' ? url : DEFAULT_OTLP_URL;
}

/**
 * Sets up what an instrumented agent process needs: a tracer provider exporting OTLP/proto
 * through a BatchSpanProcessor, an AsyncLocalStorage context manager (so run context follows
 * `await`) and W3C Trace Context + Baggage propagators (so `injectRunContext` writes both
 * headers). The provider is handed to the lineage SDK rather than registered globally, so
 * two setups in one test process never share spans. The context manager and propagator are
 * process globals: keep one setup active at a time and call `shutdown()` before the next.
 */
export function startExampleTracing(options: ExampleTracingOptions): ExampleTracing {
  const exporter = new OTLPTraceExporter({ url: options.otlpUrl });
  const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  configureLineage({ tracerProvider: provider, pseudonymKey: options.pseudonymKey ?? DEMO_PSEUDONYM_KEY });
  let closed = false;
  return {
    provider,
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      if (closed) return;
      closed = true;
      try {
        await provider.shutdown();
      } finally {
        resetLineageConfig();
        propagation.disable();
        context.disable();
      }
    },
  };
}
