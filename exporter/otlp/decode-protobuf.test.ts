import { describe, expect, it } from 'vitest';
import { decodeLogsRequestProtobuf, decodeTraceRequestProtobuf } from './decode-protobuf.js';
import { otlpProtoTypes } from './otlp-schema.js';
import { OtlpDecodeError } from './receiver-errors.js';

describe('decodeTraceRequestProtobuf', () => {
  it('yields only present fields: a oneof value has exactly its own key', () => {
    const type = otlpProtoTypes().exportTraceServiceRequest;
    const bytes = type
      .encode(
        type.fromObject({
          resourceSpans: [
            {
              scopeSpans: [
                {
                  spans: [
                    {
                      spanId: Buffer.alloc(8, 2),
                      startTimeUnixNano: '1700000000000000001',
                      attributes: [
                        { key: 'i', value: { intValue: 7 } },
                        { key: 'd', value: { doubleValue: 0 } },
                      ],
                    },
                  ],
                },
              ],
            },
          ],
        }),
      )
      .finish();
    const span = decodeTraceRequestProtobuf(bytes).resourceSpans![0]!.scopeSpans![0]!.spans![0]!;
    expect(Object.keys(span).sort()).toEqual(['attributes', 'spanId', 'startTimeUnixNano']);
    expect(Object.keys(span.attributes![0]!.value!)).toEqual(['intValue']);
    expect(span.attributes![1]!.value).toEqual({ doubleValue: 0 });
    expect(span.startTimeUnixNano).toMatchObject({ low: expect.any(Number), high: expect.any(Number) });
    expect(span.spanId).toBeInstanceOf(Uint8Array);
  });

  it('throws OtlpDecodeError for truncated bytes and wrong wire types', () => {
    expect(() => decodeTraceRequestProtobuf(Buffer.from([0x0a, 0x10, 0x01]))).toThrow(OtlpDecodeError);
    expect(() => decodeTraceRequestProtobuf(Buffer.from([0x0f]))).toThrow(
      /malformed ExportTraceServiceRequest/,
    );
  });
});

describe('decodeLogsRequestProtobuf', () => {
  it('decodes the logs schema (observed time, event name, body)', () => {
    const type = otlpProtoTypes().exportLogsServiceRequest;
    const bytes = type
      .encode(
        type.fromObject({
          resourceLogs: [
            {
              scopeLogs: [
                {
                  logRecords: [
                    {
                      observedTimeUnixNano: 42,
                      eventName: 'e',
                      body: { stringValue: 'b' },
                      severityNumber: 17,
                    },
                  ],
                },
              ],
            },
          ],
        }),
      )
      .finish();
    const record = decodeLogsRequestProtobuf(bytes).resourceLogs![0]!.scopeLogs![0]!.logRecords![0]!;
    expect(record).toMatchObject({ eventName: 'e', body: { stringValue: 'b' }, severityNumber: 17 });
    expect(record.observedTimeUnixNano).toMatchObject({ low: 42, high: 0 });
  });
});
