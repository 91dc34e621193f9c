import { describe, expect, it } from 'vitest';
import type { OtlpExportTraceServiceRequest } from '../span-view/otlp-types.js';
import { createOtlpReceiver } from './otlp-receiver.js';
import { UnavailableError } from './receiver-errors.js';

/** An OTLP/JSON request with one valid span, padded with an attribute to `bytes` in size. */
function jsonRequest(bytes: number): Uint8Array {
  const base = {
    resourceSpans: [
      {
        scopeSpans: [
          {
            spans: [
              {
                traceId: '0af7651916cd43dd8448eb211c80319c',
                spanId: 'b7ad6b7169203331',
                name: 'chat',
                startTimeUnixNano: '1700000000000000000',
                endTimeUnixNano: '1700000001000000000',
                attributes: [{ key: 'pad', value: { stringValue: '' } }],
              },
            ],
          },
        ],
      },
    ],
  };
  const empty = Buffer.byteLength(JSON.stringify(base));
  base.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes[0]!.value.stringValue = 'x'.repeat(
    Math.max(0, bytes - empty),
  );
  return Buffer.from(JSON.stringify(base));
}

describe('receiver memory bound: decompressed bytes in flight', () => {
  it('refuses a request that would exceed the budget while another is being ingested, then admits it', async () => {
    let release: () => void = () => undefined;
    const ingested: OtlpExportTraceServiceRequest[] = [];
    const receiver = createOtlpReceiver({
      limits: { maxInFlightBytes: 100_000, maxAttributeValueLength: 1_000_000 },
      ingest: (request) => {
        ingested.push(request);
        return ingested.length === 1
          ? new Promise((done) => (release = () => done({ rejectedSpans: 0 })))
          : Promise.resolve({ rejectedSpans: 0 });
      },
      logger: { warn: () => undefined, error: () => undefined },
    });
    const first = receiver.exportTraces(jsonRequest(60_000), 'json');
    await expect(receiver.exportTraces(jsonRequest(60_000), 'json')).rejects.toBeInstanceOf(UnavailableError);
    // A small request still fits beside the first.
    await expect(receiver.exportTraces(jsonRequest(30_000), 'json')).resolves.toEqual({ rejectedSpans: 0 });
    release();
    await expect(first).resolves.toEqual({ rejectedSpans: 0 });
    // The budget was returned: the refused size is admitted now.
    await expect(receiver.exportTraces(jsonRequest(60_000), 'json')).resolves.toEqual({ rejectedSpans: 0 });
    expect(ingested).toHaveLength(3);
  });

  it('always admits one request on its own, however large, so a maximal batch is never starved', async () => {
    const receiver = createOtlpReceiver({
      limits: { maxInFlightBytes: 1_000, maxAttributeValueLength: 1_000_000 },
      ingest: async () => ({ rejectedSpans: 0 }),
      logger: { warn: () => undefined, error: () => undefined },
    });
    await expect(receiver.exportTraces(jsonRequest(50_000), 'json')).resolves.toEqual({ rejectedSpans: 0 });
  });
});
