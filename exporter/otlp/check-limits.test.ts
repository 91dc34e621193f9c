import { describe, expect, it } from 'vitest';
import type { OtlpExportTraceServiceRequest, OtlpSpan } from '../span-view/otlp-types.js';
import { checkTraceRequestLimits } from './check-limits.js';
import { OtlpLimitError } from './receiver-errors.js';

const limits = { maxSpansPerRequest: 3, maxAttributesPerSpan: 2, maxAttributeValueLength: 5 };
const requestOf = (spans: OtlpSpan[]): OtlpExportTraceServiceRequest => ({
  resourceSpans: [{ scopeSpans: [{ spans }] }],
});

describe('checkTraceRequestLimits', () => {
  it('counts spans within limits', () => {
    expect(checkTraceRequestLimits(requestOf([{}, {}, {}]), limits)).toBe(3);
    expect(checkTraceRequestLimits({}, limits)).toBe(0);
  });

  it.each<[string, OtlpSpan[], string]>([
    ['too many spans', [{}, {}, {}, {}], 'spans'],
    ['too many span attributes', [{ attributes: [{ key: 'a' }, { key: 'b' }, { key: 'c' }] }], 'attributes'],
    [
      'a long string value',
      [{ attributes: [{ key: 'a', value: { stringValue: '123456' } }] }],
      'attribute-value',
    ],
    [
      'long bytes',
      [{ attributes: [{ key: 'a', value: { bytesValue: new Uint8Array(6) } }] }],
      'attribute-value',
    ],
    ['a long key', [{ attributes: [{ key: 'abcdef' }] }], 'attribute-value'],
    [
      'a long value nested in an array',
      [{ attributes: [{ key: 'a', value: { arrayValue: { values: [{ stringValue: '123456' }] } } }] }],
      'attribute-value',
    ],
    [
      'too many event attributes',
      [{ events: [{ attributes: [{ key: 'a' }, { key: 'b' }, { key: 'c' }] }] }],
      'attributes',
    ],
    [
      'a long link attribute in a kvlist',
      [
        {
          links: [
            {
              attributes: [
                {
                  key: 'a',
                  value: { kvlistValue: { values: [{ key: 'b', value: { stringValue: 'xxxxxx' } }] } },
                },
              ],
            },
          ],
        },
      ],
      'attribute-value',
    ],
  ])('refuses %s', (_name, spans, kind) => {
    try {
      checkTraceRequestLimits(requestOf(spans), limits);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(OtlpLimitError);
      expect((error as OtlpLimitError).kind).toBe(kind);
    }
  });
});
