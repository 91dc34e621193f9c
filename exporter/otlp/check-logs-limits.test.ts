import { describe, expect, it } from 'vitest';
import { checkLogsRequestLimits } from './check-limits.js';
import type { OtlpExportLogsServiceRequest, OtlpLogRecord } from './otlp-logs-types.js';
import { OtlpLimitError } from './receiver-errors.js';

const limits = { maxSpansPerRequest: 3, maxAttributesPerSpan: 2, maxAttributeValueLength: 5 };
const requestOf = (logRecords: OtlpLogRecord[]): OtlpExportLogsServiceRequest => ({
  resourceLogs: [{ scopeLogs: [{ logRecords }] }],
});

describe('checkLogsRequestLimits', () => {
  it('counts records within limits, over all resources and scopes', () => {
    expect(checkLogsRequestLimits(requestOf([{}, {}, {}]), limits)).toBe(3);
    expect(checkLogsRequestLimits({}, limits)).toBe(0);
    expect(checkLogsRequestLimits({ resourceLogs: [{}, { scopeLogs: [{}] }] }, limits)).toBe(0);
    expect(
      checkLogsRequestLimits(
        {
          resourceLogs: [
            { scopeLogs: [{ logRecords: [{}] }, { logRecords: [{}] }] },
            { scopeLogs: [{ logRecords: [{}] }] },
          ],
        },
        limits,
      ),
    ).toBe(3);
    // A body at exactly the limits passes.
    expect(
      checkLogsRequestLimits(
        requestOf([
          {
            body: { kvlistValue: { values: [{ key: 'a', value: { stringValue: '12345' } }, { key: 'b' }] } },
          },
        ]),
        limits,
      ),
    ).toBe(1);
  });

  it.each<[string, OtlpExportLogsServiceRequest, string]>([
    ['too many records', requestOf([{}, {}, {}, {}]), 'spans'],
    [
      'too many records across resources',
      {
        resourceLogs: [{ scopeLogs: [{ logRecords: [{}, {}] }] }, { scopeLogs: [{ logRecords: [{}, {}] }] }],
      },
      'spans',
    ],
    [
      'too many record attributes',
      requestOf([{ attributes: [{ key: 'a' }, { key: 'b' }, { key: 'c' }] }]),
      'attributes',
    ],
    [
      'a long attribute value',
      requestOf([{ attributes: [{ key: 'a', value: { stringValue: '123456' } }] }]),
      'attribute-value',
    ],
    [
      'a body array over the count',
      requestOf([{ body: { arrayValue: { values: [{}, {}, {}] } } }]),
      'attributes',
    ],
    [
      'a body kvlist over the count',
      requestOf([{ body: { kvlistValue: { values: [{ key: 'a' }, { key: 'b' }, { key: 'c' }] } } }]),
      'attributes',
    ],
    [
      'too many resource attributes',
      { resourceLogs: [{ resource: { attributes: [{ key: 'a' }, { key: 'b' }, { key: 'c' }] } }] },
      'attributes',
    ],
    [
      'a long scope attribute',
      {
        resourceLogs: [
          { scopeLogs: [{ scope: { attributes: [{ key: 'a', value: { stringValue: '123456' } }] } }] },
        ],
      },
      'attribute-value',
    ],
  ])('refuses %s', (_name, request, kind) => {
    try {
      checkLogsRequestLimits(request, limits);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(OtlpLimitError);
      expect((error as OtlpLimitError).kind).toBe(kind);
    }
  });

  it('bounds a body by shape but not by length: a body is message content (a whole prompt)', () => {
    const long = 'x'.repeat(1_000);
    const deep = {
      kvlistValue: {
        values: [
          {
            key: 'a',
            value: {
              arrayValue: {
                values: [{ kvlistValue: { values: [{ key: 'b', value: { stringValue: long } }] } }],
              },
            },
          },
        ],
      },
    };
    expect(
      checkLogsRequestLimits(
        requestOf([
          { body: { stringValue: long } },
          { body: { bytesValue: new Uint8Array(1_000) } },
          { body: deep },
        ]),
        limits,
      ),
    ).toBe(3);
    // Keys inside a body are content too.
    expect(
      checkLogsRequestLimits(requestOf([{ body: { kvlistValue: { values: [{ key: 'abcdef' }] } } }]), limits),
    ).toBe(1);
  });
});
