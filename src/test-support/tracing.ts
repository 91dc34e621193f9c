import { createHmac } from 'node:crypto';
import { type Attributes, context, type Link, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { configureLineage, type LineageConfigOptions, resetLineageConfig } from '../config.js';

/** Pseudonym key the tests configure. */
export const TEST_KEY = 'test-pseudonym-key-0123456789abcdef';

/** The pseudonym the SDK must produce for `id` under {@link TEST_KEY}. */
export function expectedPseudonym(id: string): string {
  return `hmac-sha256:${createHmac('sha256', TEST_KEY).update(id).digest('hex')}`;
}

/** A tracer provider writing to memory, an AsyncLocalStorage context manager, and the SDK configured to use them. */
export interface TestTracing {
  readonly exporter: InMemorySpanExporter;
  readonly provider: BasicTracerProvider;
  /** Finished spans so far. */
  spans(): ReadableSpan[];
  /** The single finished span with this name (fails the test otherwise). */
  span(name: string): ReadableSpan;
  /** Clears recorded spans. */
  reset(): void;
  /** Restores globals. */
  shutdown(): Promise<void>;
}

/** Installs test tracing; call in beforeAll and `shutdown()` in afterAll. */
export function installTracing(options: LineageConfigOptions = {}): TestTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  configureLineage({ tracerProvider: provider, pseudonymKey: TEST_KEY, ...options });
  return {
    exporter,
    provider,
    spans: () => exporter.getFinishedSpans(),
    span: (name) => {
      const found = exporter.getFinishedSpans().filter((s) => s.name === name);
      if (found.length !== 1) throw new Error(`expected one span named '${name}', found ${found.length}`);
      return found[0] as ReadableSpan;
    },
    reset: () => exporter.reset(),
    shutdown: async () => {
      await provider.shutdown();
      context.disable();
      propagation.disable();
      trace.disable();
      resetLineageConfig();
    },
  };
}

/** A link as plain data, for whole-value assertions. */
export interface PlainLink {
  readonly traceId: string;
  readonly spanId: string;
  readonly attributes: Attributes;
}

/** The links of a span as plain data. */
export function linksOf(span: ReadableSpan): PlainLink[] {
  return span.links.map((l: Link) => ({
    traceId: l.context.traceId,
    spanId: l.context.spanId,
    attributes: { ...l.attributes },
  }));
}

/** A span's identity as a link target. */
export function ref(span: ReadableSpan): { traceId: string; spanId: string } {
  const sc = span.spanContext();
  return { traceId: sc.traceId, spanId: sc.spanId };
}

/** Parent span id of a finished span (sdk-trace-base 2.x keeps it in parentSpanContext). */
export function parentId(span: ReadableSpan): string | undefined {
  return span.parentSpanContext?.spanId;
}
