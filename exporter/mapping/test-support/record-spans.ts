import { type Attributes, type Link, ROOT_CONTEXT, type Span, SpanKind, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { SpanView } from '../../model/span-view.js';
import { readableSpansToViews } from '../../span-view/from-readable-span.js';

/** Epoch seconds all fixtures start from (2023-11-14T22:13:20Z). */
export const T0 = 1_700_000_000;

/** Deterministic ids: trace ids `t…01`, `t…02`; span ids counted from 1, so fixtures can assert literal ids. */
class CountingIds {
  private traces = 0;
  private spans = 0;
  generateTraceId(): string {
    this.traces += 1;
    return this.traces.toString(16).padStart(32, 'a');
  }
  generateSpanId(): string {
    this.spans += 1;
    return this.spans.toString(16).padStart(16, 'b');
  }
}

/** The trace id the n-th new trace of a `recordSpans` call gets. */
export function traceIdOf(n: number): string {
  return n.toString(16).padStart(32, 'a');
}

/** The span id the n-th span of a `recordSpans` call gets. */
export function spanIdOf(n: number): string {
  return n.toString(16).padStart(16, 'b');
}

/** Options of one fixture span; times are ms after T0. */
export interface FixtureSpan {
  readonly parent?: Span;
  readonly startMs: number;
  readonly attributes?: Attributes;
  readonly links?: Link[];
  readonly kind?: SpanKind;
}

/** Builds spans with a real SDK 2.x tracer (deterministic ids, explicit times). */
export interface FixtureTracer {
  start(name: string, options: FixtureSpan): Span;
  end(span: Span, endMs: number): void;
  event(span: Span, name: string, atMs: number, attributes?: Attributes): void;
}

function hr(ms: number): [number, number] {
  const whole = Math.floor(ms);
  return [T0 + Math.floor(whole / 1000), (whole % 1000) * 1_000_000 + Math.round((ms - whole) * 1_000_000)];
}

/** Runs `build` against a real BasicTracerProvider + InMemorySpanExporter; returns the finished ReadableSpans. */
export function recordSpans(build: (tracer: FixtureTracer) => void): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    idGenerator: new CountingIds(),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('fixture', '0.0.1');
  build({
    start(name, options) {
      const ctx = options.parent ? trace.setSpan(ROOT_CONTEXT, options.parent) : ROOT_CONTEXT;
      return tracer.startSpan(
        name,
        {
          kind: options.kind ?? SpanKind.INTERNAL,
          startTime: hr(options.startMs),
          ...(options.attributes ? { attributes: options.attributes } : {}),
          ...(options.links ? { links: options.links } : {}),
        },
        ctx,
      );
    },
    end(span, endMs) {
      span.end(hr(endMs));
    },
    event(span, name, atMs, attributes) {
      span.addEvent(name, attributes ?? {}, hr(atMs));
    },
  });
  return exporter.getFinishedSpans();
}

/** Records spans and normalises them; throws if any span is rejected (fixtures must be valid). */
export function recordViews(build: (tracer: FixtureTracer) => void): SpanView[] {
  const { views, rejected } = readableSpansToViews(recordSpans(build));
  if (rejected.length > 0) throw new Error(`fixture span rejected: ${JSON.stringify(rejected)}`);
  return views;
}
