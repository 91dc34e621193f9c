import { Buffer } from 'node:buffer';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { otlpRequestToViews } from './from-otlp.js';
import { readableSpanToView } from './from-readable-span.js';
import type { OtlpExportTraceServiceRequest, OtlpSpan } from './otlp-types.js';

const TRACE_HEX = '5b8efff798038103d269b633813fc60c';
const SPAN_HEX = 'eee19b7ec3c1b174';
const PARENT_HEX = 'eee19b7ec3c1b173';

function request(spans: OtlpSpan[]): OtlpExportTraceServiceRequest {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
        scopeSpans: [{ scope: { name: 'scope', version: '2.0' }, spans }],
      },
    ],
  };
}

/** protobufjs `toObject` shape: ids as bytes, int64 as Long-like objects. */
function protoSpan(overrides: Partial<OtlpSpan> = {}): OtlpSpan {
  const start = 1_700_000_000_000_000_000n;
  const end = start + 1_500_000n;
  const long = (v: bigint) => ({
    low: Number(v & 0xffffffffn) | 0,
    high: Number(v >> 32n) | 0,
    unsigned: false,
  });
  return {
    traceId: Buffer.from(TRACE_HEX, 'hex'),
    spanId: new Uint8Array(Buffer.from(SPAN_HEX, 'hex')),
    parentSpanId: Buffer.from(PARENT_HEX, 'hex'),
    name: 'chat gpt-4o',
    kind: 3, // OTLP CLIENT
    flags: 0x301,
    startTimeUnixNano: long(start),
    endTimeUnixNano: long(end),
    attributes: [
      { key: 's', value: { stringValue: 'x' } },
      { key: 'i', value: { intValue: long(42n) } },
      { key: 'big', value: { intValue: long(2n ** 60n) } },
      { key: 'd', value: { doubleValue: 0.5 } },
      { key: 'b', value: { boolValue: true } },
      { key: 'bytes', value: { bytesValue: new Uint8Array([0xde, 0xad]) } },
      { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } } },
      { key: 'mixed', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 1 }] } } },
      {
        key: 'kv',
        value: {
          kvlistValue: {
            values: [
              { key: 'z', value: { intValue: 1 } },
              { key: 'y', value: { boolValue: false } },
            ],
          },
        },
      },
      { key: 'empty', value: {} },
    ],
    events: [{ timeUnixNano: long(start + 1_000_000n), name: 'ev', attributes: [] }],
    links: [
      { traceId: Buffer.from(TRACE_HEX, 'hex'), spanId: Buffer.from(PARENT_HEX, 'hex'), attributes: [] },
    ],
    status: { code: 1 },
    ...overrides,
  };
}

describe('otlpRequestToViews', () => {
  it('normalises a protobuf-style span (bytes ids, Long int64, shifted kind, masked flags)', () => {
    const { views, rejected } = otlpRequestToViews(request([protoSpan()]));
    expect(rejected).toEqual([]);
    expect(views).toEqual([
      {
        traceId: TRACE_HEX,
        spanId: SPAN_HEX,
        parentSpanId: PARENT_HEX,
        name: 'chat gpt-4o',
        kind: 2,
        startTimeMs: 1_700_000_000_000,
        endTimeMs: 1_700_000_000_001.5,
        status: { code: 1 },
        attributes: {
          s: 'x',
          i: 42,
          big: '1152921504606846976',
          d: 0.5,
          b: true,
          bytes: 'dead',
          arr: ['a', 'b'],
          mixed: '["a",1]',
          kv: '{"z":1,"y":false}',
        },
        events: [{ name: 'ev', timeMs: 1_700_000_000_001, attributes: {} }],
        links: [{ traceId: TRACE_HEX, spanId: PARENT_HEX, attributes: {} }],
        resource: { 'service.name': 'svc' },
        scope: { name: 'scope', version: '2.0' },
        traceFlags: 1,
      },
    ]);
  });

  it('normalises an OTLP/JSON-style span (hex ids, string int64) and base64 ids', () => {
    const json: OtlpSpan = {
      traceId: TRACE_HEX.toUpperCase(),
      spanId: Buffer.from(SPAN_HEX, 'hex').toString('base64'),
      parentSpanId: '',
      name: 'root',
      kind: 0,
      startTimeUnixNano: '1700000000000000000',
      endTimeUnixNano: 1_700_000_000_002_000_000n,
      attributes: [
        { key: 'n', value: { intValue: '7' } },
        { key: 'nan', value: { doubleValue: 'NaN' as unknown as number } },
        { key: 'b64', value: { bytesValue: Buffer.from([1, 2]).toString('base64') } },
      ],
    };
    const { views, rejected } = otlpRequestToViews(request([json]));
    expect(rejected).toEqual([]);
    expect(views[0]).toMatchObject({
      traceId: TRACE_HEX,
      spanId: SPAN_HEX,
      kind: 0,
      startTimeMs: 1_700_000_000_000,
      endTimeMs: 1_700_000_000_002,
      attributes: { n: 7, nan: 'NaN', b64: '0102' },
      events: [],
      links: [],
      traceFlags: 0,
    });
    expect(views[0]?.parentSpanId).toBeUndefined();
  });

  it('gives the same view as readableSpanToView for a real span serialised by otlp-transformer', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const tracer = provider.getTracer('real', '0.1');
    const parent = tracer.startSpan('invoke_agent triage', { startTime: [1_700_000_000, 123_456_000] });
    const child = tracer.startSpan(
      'chat gpt-4o',
      {
        kind: SpanKind.CLIENT,
        startTime: [1_700_000_000, 200_000_000],
        attributes: { 'gen_ai.request.model': 'gpt-4o', 'gen_ai.usage.input_tokens': 12, tags: ['a', 'b'] },
        links: [{ context: parent.spanContext(), attributes: { 'lineage.link.type': 'consumed' } }],
      },
      trace.setSpan(ROOT_CONTEXT, parent),
    );
    child.addEvent('lineage.first_token', {}, [1_700_000_000, 250_000_000]);
    child.end([1_700_000_000, 900_000_000]);
    parent.end([1_700_000_001, 0]);
    const spans = exporter.getFinishedSpans();
    const bytes = JsonTraceSerializer.serializeRequest(spans);
    if (!bytes) throw new Error('serialiser returned nothing');
    const parsed = JSON.parse(Buffer.from(bytes).toString('utf8')) as OtlpExportTraceServiceRequest;
    const { views, rejected } = otlpRequestToViews(parsed);
    expect(rejected).toEqual([]);
    const direct = spans.map((s) => {
      const r = readableSpanToView(s);
      if (!r.ok) throw new Error(r.rejected.message);
      return r.view;
    });
    expect(views).toEqual(direct);
  });

  it.each<[string, Partial<OtlpSpan>, string]>([
    ['missing trace id', { traceId: undefined }, 'invalid_trace_id'],
    ['all-zero trace id', { traceId: new Uint8Array(16) }, 'invalid_trace_id'],
    ['wrong-length trace id', { traceId: new Uint8Array(15).fill(1) }, 'invalid_trace_id'],
    ['non-hex trace id', { traceId: 'zz'.repeat(16) }, 'invalid_trace_id'],
    ['missing span id', { spanId: undefined }, 'invalid_span_id'],
    ['all-zero span id', { spanId: '0000000000000000' }, 'invalid_span_id'],
    ['wrong-length span id', { spanId: 'abcd' }, 'invalid_span_id'],
    ['bad parent id', { parentSpanId: new Uint8Array(3).fill(1) }, 'invalid_parent_span_id'],
    ['NaN start', { startTimeUnixNano: Number.NaN }, 'invalid_time'],
    ['missing end', { endTimeUnixNano: undefined }, 'invalid_time'],
    [
      'end before start',
      { startTimeUnixNano: '2000000000000000000', endTimeUnixNano: '1000000000000000000' },
      'invalid_time',
    ],
    ['garbage time string', { startTimeUnixNano: '12abc' }, 'invalid_time'],
    ['name not a string', { name: undefined }, 'invalid_name'],
    ['link with bad id', { links: [{ traceId: 'x', spanId: 'y' }] }, 'invalid_link'],
  ])('rejects a span with %s alone', (_label, override, reason) => {
    const { views, rejected } = otlpRequestToViews(request([protoSpan(), protoSpan(override), protoSpan()]));
    expect(views).toHaveLength(2);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.reason).toBe(reason);
    expect(rejected[0]?.message.length).toBeGreaterThan(0);
  });

  it('rejects 10,000 attributes, huge strings and deep kvlists with attribute_limit', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => ({ key: `k${i}`, value: { stringValue: 'v' } }));
    let deep: { kvlistValue: { values: { key: string; value: unknown }[] } } = {
      kvlistValue: { values: [] },
    };
    for (let i = 0; i < 100; i++) deep = { kvlistValue: { values: [{ key: 'n', value: deep }] } };
    // A truly cyclic hand-built kvlist must not hang or overflow the stack.
    const cyclic: { kvlistValue: { values: { key: string; value: unknown }[] } } = {
      kvlistValue: { values: [] },
    };
    cyclic.kvlistValue.values.push({ key: 'self', value: cyclic });
    const { views, rejected } = otlpRequestToViews(
      request([
        protoSpan({ attributes: many }),
        protoSpan({ attributes: [{ key: 'huge', value: { stringValue: 'x'.repeat(1024 * 1024 + 1) } }] }),
        protoSpan({ attributes: [{ key: 'deep', value: deep as never }] }),
        protoSpan({ attributes: [{ key: 'cyclic', value: cyclic as never }] }),
        protoSpan(),
      ]),
    );
    expect(views).toHaveLength(1);
    expect(rejected.map((r) => r.reason)).toEqual([
      'attribute_limit',
      'attribute_limit',
      'attribute_limit',
      'attribute_limit',
    ]);
    expect(rejected[0]).toMatchObject({ traceId: TRACE_HEX, spanId: SPAN_HEX });
  });

  it('honours custom limits and the event/link limits', () => {
    const { rejected } = otlpRequestToViews(
      request([
        protoSpan({ events: [{ name: 'a' }, { name: 'b' }] }),
        protoSpan({
          links: [
            { traceId: TRACE_HEX, spanId: SPAN_HEX },
            { traceId: TRACE_HEX, spanId: SPAN_HEX },
          ],
        }),
      ]),
      { limits: { maxEventsPerSpan: 1, maxLinksPerSpan: 1 } },
    );
    expect(rejected.map((r) => r.reason)).toEqual(['event_limit', 'link_limit']);
  });

  it('replaces lone surrogates and invalid UTF-8 with U+FFFD instead of failing', () => {
    const { views, rejected } = otlpRequestToViews(
      request([
        protoSpan({
          name: 'bad\uD800name',
          attributes: [
            { key: 'lone', value: { stringValue: '\uDFFFx' } },
            { key: 'raw', value: { stringValue: new Uint8Array([0x61, 0xff, 0x62]) as unknown as string } },
          ],
        }),
      ]),
    );
    expect(rejected).toEqual([]);
    expect(views[0]?.name).toBe('bad\uFFFDname');
    expect(views[0]?.attributes).toMatchObject({ lone: '\uFFFDx', raw: 'a\uFFFDb' });
  });

  it('never throws on structurally broken requests', () => {
    const broken = [
      {},
      { resourceSpans: 'nope' },
      { resourceSpans: [null, { scopeSpans: [null, { spans: [null, 5, 'x'] }] }] },
    ] as unknown as OtlpExportTraceServiceRequest[];
    for (const req of broken) {
      const result = otlpRequestToViews(req);
      expect(result.views).toEqual([]);
    }
    expect(otlpRequestToViews(broken[2]!).rejected.map((r) => r.reason)).toEqual([
      'invalid_span',
      'invalid_span',
      'invalid_span',
    ]);
  });
});
