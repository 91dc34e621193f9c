import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { type ReadableSpanLike, readableSpansToViews, readableSpanToView } from './from-readable-span.js';

function recordSpans(body: (tracer: ReturnType<BasicTracerProvider['getTracer']>) => void) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  body(provider.getTracer('test-scope', '1.2.3'));
  return exporter.getFinishedSpans();
}

describe('readableSpanToView with SDK 2.x spans', () => {
  it('normalises a parent/child pair with events, links and status', () => {
    const spans = recordSpans((tracer) => {
      const parent = tracer.startSpan('parent', { startTime: [1_700_000_000, 0] });
      const ctx = trace.setSpan(ROOT_CONTEXT, parent);
      const child = tracer.startSpan(
        'child',
        {
          kind: SpanKind.CLIENT,
          startTime: [1_700_000_000, 500_000_000],
          attributes: { 'a.str': 'x', 'a.num': 3, 'a.arr': ['p', 'q'], 'a.mixed': [1, null, 2] },
          links: [{ context: parent.spanContext(), attributes: { 'lineage.link.type': 'consumed' } }],
        },
        ctx,
      );
      child.addEvent(
        'lineage.datasource',
        { 'lineage.datasource.id': 'doc-1' },
        [1_700_000_000, 600_000_000],
      );
      child.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
      child.end([1_700_000_001, 0]);
      parent.end([1_700_000_002, 0]);
    });
    const [childSpan, parentSpan] = spans;
    expect(childSpan && parentSpan).toBeTruthy();
    const child = readableSpanToView(childSpan!);
    const parent = readableSpanToView(parentSpan!);
    if (!child.ok || !parent.ok) throw new Error('expected both views');
    const p = parent.view;
    expect(p.parentSpanId).toBeUndefined();
    expect(child.view).toEqual({
      traceId: p.traceId,
      spanId: childSpan!.spanContext().spanId,
      parentSpanId: p.spanId,
      name: 'child',
      kind: 2,
      startTimeMs: 1_700_000_000_500,
      endTimeMs: 1_700_000_001_000,
      status: { code: 2, message: 'boom' },
      attributes: { 'a.str': 'x', 'a.num': 3, 'a.arr': ['p', 'q'], 'a.mixed': '[1,null,2]' },
      events: [
        {
          name: 'lineage.datasource',
          timeMs: 1_700_000_000_600,
          attributes: { 'lineage.datasource.id': 'doc-1' },
        },
      ],
      links: [{ traceId: p.traceId, spanId: p.spanId, attributes: { 'lineage.link.type': 'consumed' } }],
      resource: expect.objectContaining({ 'telemetry.sdk.language': 'nodejs' }),
      scope: { name: 'test-scope', version: '1.2.3' },
      traceFlags: 1,
    });
  });
});

/** A hand-built span in the 1.x / 3.x-ish shapes the normaliser must also accept. */
function fakeSpan(overrides: Partial<Record<keyof ReadableSpanLike, unknown>> = {}): ReadableSpanLike {
  return {
    name: 'fake',
    kind: 0,
    spanContext: () => ({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 0x101,
    }),
    startTime: [1_700_000_000, 0],
    endTime: [1_700_000_000, 1_000_000],
    status: { code: 0 },
    attributes: {},
    links: [],
    events: [],
    resource: { attributes: { 'service.name': 'svc' } },
    ...overrides,
  } as ReadableSpanLike;
}

describe('readableSpanToView with other SDK shapes', () => {
  it('reads 1.x parentSpanId and instrumentationLibrary', () => {
    const result = readableSpanToView(
      fakeSpan({ parentSpanId: '00f067aa0ba902b7', instrumentationLibrary: { name: 'old', version: '1.0' } }),
    );
    expect(result.ok && result.view.parentSpanId).toBe('00f067aa0ba902b7');
    expect(result.ok && result.view.scope).toEqual({ name: 'old', version: '1.0' });
    expect(result.ok && result.view.traceFlags).toBe(1);
  });

  it('accepts spanContext as an object and epoch-ms / bigint-nanos / Date times', () => {
    const result = readableSpanToView(
      fakeSpan({
        spanContext: { traceId: '0AF7651916CD43DD8448EB211C80319C', spanId: 'B7AD6B7169203331' },
        startTime: 1_700_000_000_000,
        endTime: 1_700_000_000_250_000_000n,
        events: [{ name: 'e', time: new Date(1_700_000_000_100) }],
      }),
    );
    if (!result.ok) throw new Error(result.rejected.message);
    expect(result.view.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(result.view.startTimeMs).toBe(1_700_000_000_000);
    expect(result.view.endTimeMs).toBe(1_700_000_000_250);
    expect(result.view.events[0]?.timeMs).toBe(1_700_000_000_100);
  });

  it.each([
    [
      'all-zero trace id',
      { spanContext: () => ({ traceId: '0'.repeat(32), spanId: 'b7ad6b7169203331' }) },
      'invalid_trace_id',
    ],
    [
      'short span id',
      { spanContext: () => ({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'abc' }) },
      'invalid_span_id',
    ],
    ['bad parent', { parentSpanContext: { traceId: 'x', spanId: 'zz' } }, 'invalid_parent_span_id'],
    ['NaN start', { startTime: [Number.NaN, 0] }, 'invalid_time'],
    ['end before start', { endTime: [1_600_000_000, 0] }, 'invalid_time'],
    ['non-string name', { name: 42 }, 'invalid_name'],
    ['bad link', { links: [{ context: { traceId: 'nope', spanId: 'b7ad6b7169203331' } }] }, 'invalid_link'],
    [
      'throwing spanContext',
      {
        spanContext: () => {
          throw new Error('hostile');
        },
      },
      'invalid_span',
    ],
  ])('rejects %s alone', (_label, override, reason) => {
    const good = fakeSpan();
    const bad = fakeSpan(override as Partial<Record<keyof ReadableSpanLike, unknown>>);
    const { views, rejected } = readableSpansToViews([good, bad, good]);
    expect(views).toHaveLength(2);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.reason).toBe(reason);
    expect(rejected[0]?.message).toBeTruthy();
  });

  it('rejects 10,000 attributes and over-long values with attribute_limit', () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 10_000; i++) many[`k${i}`] = 'v';
    const tooMany = readableSpanToView(fakeSpan({ attributes: many }));
    expect(!tooMany.ok && tooMany.rejected.reason).toBe('attribute_limit');
    const huge = readableSpanToView(fakeSpan({ attributes: { big: 'x'.repeat(2 * 1024 * 1024) } }));
    expect(!huge.ok && huge.rejected.reason).toBe('attribute_limit');
    const custom = readableSpanToView(fakeSpan({ attributes: { a: 'xyz' } }), {
      limits: { maxAttributeValueLength: 2 },
    });
    expect(!custom.ok && custom.rejected.reason).toBe('attribute_limit');
  });

  it('replaces lone surrogates with U+FFFD', () => {
    const result = readableSpanToView(fakeSpan({ name: 'a\uD800b', attributes: { 'k\uDC00': ['x\uD83D'] } }));
    if (!result.ok) throw new Error(result.rejected.message);
    expect(result.view.name).toBe('a\uFFFDb');
    expect(result.view.attributes).toEqual({ 'k\uFFFD': ['x\uFFFD'] });
  });
});
