import { describe, expect, it } from 'vitest';
import { decodeLogsRequestJson, decodeTraceRequestJson } from './decode-json.js';
import { OtlpDecodeError } from './receiver-errors.js';

const utf8 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

describe('decodeTraceRequestJson', () => {
  it('keeps hex ids and int64 strings, reads every AnyValue kind, ignores unknown and snake_case keys', () => {
    const request = decodeTraceRequestJson(
      utf8({
        resourceSpans: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'agent' } }] },
            scopeSpans: [
              {
                scope: { name: 's', version: '1' },
                spans: [
                  {
                    traceId: '5B8EFFF798038103D269B633813FC60C',
                    spanId: 'eee19b7ec3c1b174',
                    parent_span_id: 'ignored: snake_case is not OTLP/JSON',
                    name: 'chat',
                    kind: 'SPAN_KIND_CLIENT',
                    flags: 257,
                    startTimeUnixNano: '1544712660000000000',
                    endTimeUnixNano: 1544712661000000000,
                    attributes: [
                      { key: 's', value: { stringValue: 'x' } },
                      { key: 'b', value: { boolValue: true } },
                      { key: 'i', value: { intValue: '9007199254740993' } },
                      { key: 'd', value: { doubleValue: 'NaN' } },
                      {
                        key: 'a',
                        value: { arrayValue: { values: [{ intValue: 1 }, { stringValue: 'y' }] } },
                      },
                      {
                        key: 'k',
                        value: { kvlistValue: { values: [{ key: 'n', value: { boolValue: false } }] } },
                      },
                      { key: 'y', value: { bytesValue: 'AQID' } },
                      { key: 'e', value: {} },
                    ],
                    events: [{ timeUnixNano: '1', name: 'ev', attributes: [] }],
                    links: [{ traceId: 'aa'.repeat(16), spanId: 'bb'.repeat(8), flags: 1 }],
                    status: { code: 2, message: 'boom' },
                    futureField: { anything: true },
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    const span = request.resourceSpans![0]!.scopeSpans![0]!.spans![0]!;
    expect(span).toMatchObject({
      traceId: '5B8EFFF798038103D269B633813FC60C',
      spanId: 'eee19b7ec3c1b174',
      name: 'chat',
      kind: 3,
      flags: 257,
      startTimeUnixNano: '1544712660000000000',
      status: { code: 2, message: 'boom' },
      links: [{ traceId: 'aa'.repeat(16), spanId: 'bb'.repeat(8), flags: 1 }],
      events: [{ timeUnixNano: '1', name: 'ev', attributes: [] }],
    });
    expect(span).not.toHaveProperty('parentSpanId');
    expect(span).not.toHaveProperty('futureField');
    const attrs = Object.fromEntries(span.attributes!.map((kv) => [kv.key, kv.value]));
    expect(attrs.i).toEqual({ intValue: '9007199254740993' });
    expect(Number.isNaN(attrs.d!.doubleValue)).toBe(true);
    expect(attrs.a).toEqual({ arrayValue: { values: [{ intValue: 1 }, { stringValue: 'y' }] } });
    expect(attrs.k).toEqual({ kvlistValue: { values: [{ key: 'n', value: { boolValue: false } }] } });
    expect(Buffer.from(attrs.y!.bytesValue as Uint8Array)).toEqual(Buffer.from([1, 2, 3]));
    expect(attrs.e).toEqual({});
  });

  it.each([
    ['not JSON', '{', /malformed ExportTraceServiceRequest JSON/],
    ['a top-level array', '[]', /at \$: expected object, got array/],
    ['a string id', { resourceSpans: [{ scopeSpans: [{ spans: [{ spanId: 12 }] }] }] }, /spans\[0\]\.spanId/],
    [
      'a fractional int64',
      { resourceSpans: [{ scopeSpans: [{ spans: [{ endTimeUnixNano: 1.5 }] }] }] },
      /integer/,
    ],
    ['an unknown enum name', { resourceSpans: [{ scopeSpans: [{ spans: [{ kind: 'SERVER' }] }] }] }, /enum/],
    [
      'two AnyValue fields',
      {
        resourceSpans: [
          { resource: { attributes: [{ key: 'x', value: { stringValue: 'a', intValue: 1 } }] } },
        ],
      },
      /more than one value field/,
    ],
    [
      'invalid base64',
      { resourceSpans: [{ resource: { attributes: [{ key: 'x', value: { bytesValue: '***' } }] } }] },
      /base64/,
    ],
  ])('refuses %s with an OtlpDecodeError naming the problem', (_name, body, message) => {
    expect(() => decodeTraceRequestJson(utf8(body))).toThrow(OtlpDecodeError);
    expect(() => decodeTraceRequestJson(utf8(body))).toThrow(message);
  });

  it('refuses invalid UTF-8 and absurd nesting without crashing', () => {
    expect(() => decodeTraceRequestJson(Buffer.from([0x7b, 0xff, 0x7d]))).toThrow(OtlpDecodeError);
    const depth = 20_000;
    const deep = `{"resourceSpans":[{"resource":{"attributes":[{"key":"x","value":${'{"arrayValue":{"values":['.repeat(depth)}${']}}'.repeat(depth)}}]}}]}`;
    expect(() => decodeTraceRequestJson(Buffer.from(deep))).toThrow(OtlpDecodeError);
  });
});

describe('decodeLogsRequestJson', () => {
  it('decodes log records with body, severity, event name and ids', () => {
    const request = decodeLogsRequestJson(
      utf8({
        resourceLogs: [
          {
            scopeLogs: [
              {
                logRecords: [
                  {
                    timeUnixNano: '5',
                    observedTimeUnixNano: '6',
                    severityNumber: 9,
                    severityText: 'INFO',
                    body: { stringValue: 'hello' },
                    eventName: 'gen_ai.client.inference.operation.details',
                    traceId: 'aa'.repeat(16),
                    spanId: 'bb'.repeat(8),
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    expect(request.resourceLogs![0]!.scopeLogs![0]!.logRecords![0]).toEqual({
      timeUnixNano: '5',
      observedTimeUnixNano: '6',
      severityNumber: 9,
      severityText: 'INFO',
      body: { stringValue: 'hello' },
      eventName: 'gen_ai.client.inference.operation.details',
      traceId: 'aa'.repeat(16),
      spanId: 'bb'.repeat(8),
    });
  });
});
