import { describe, expect, it } from 'vitest';
import { logsRequestBytes, logsRequestJson } from './otlp-logs-test-fixtures.js';
import type { OtlpExportLogsServiceRequest } from './otlp-logs-types.js';
import { createOtlpReceiver } from './otlp-receiver.js';
import { OtlpDecodeError, OtlpLimitError, UnavailableError } from './receiver-errors.js';

const quiet = { warn: () => undefined, error: () => undefined };

describe('receiver core: logs', () => {
  it('serves logs only when ingestLogs is given', () => {
    const ingest = async () => ({ rejectedSpans: 0 });
    expect(createOtlpReceiver({ ingest, logger: quiet }).servesLogs).toBe(false);
    expect(
      createOtlpReceiver({ ingest, ingestLogs: async () => ({ rejectedLogRecords: 0 }), logger: quiet })
        .servesLogs,
    ).toBe(true);
  });

  it('decodes both encodings to the same records and passes the whole request to ingestLogs', async () => {
    const ingested: OtlpExportLogsServiceRequest[] = [];
    const receiver = createOtlpReceiver({
      ingest: async () => ({ rejectedSpans: 0 }),
      ingestLogs: async (request) => {
        ingested.push(request);
        return { rejectedLogRecords: 0 };
      },
      logger: quiet,
    });
    await expect(receiver.exportLogs(logsRequestBytes(2), 'protobuf')).resolves.toEqual({
      rejectedLogRecords: 0,
    });
    await expect(receiver.exportLogs(Buffer.from(logsRequestJson(2)), 'json')).resolves.toEqual({
      rejectedLogRecords: 0,
    });
    expect(ingested).toHaveLength(2);
  });

  it('refuses before ingest: malformed → OtlpDecodeError, over a limit → OtlpLimitError', async () => {
    let calls = 0;
    const receiver = createOtlpReceiver({
      ingest: async () => ({ rejectedSpans: 0 }),
      ingestLogs: async () => {
        calls++;
        return { rejectedLogRecords: 0 };
      },
      limits: { maxSpansPerRequest: 2 },
      logger: quiet,
    });
    await expect(receiver.exportLogs(Buffer.from('{"resourceLogs": 1}'), 'json')).rejects.toBeInstanceOf(
      OtlpDecodeError,
    );
    await expect(receiver.exportLogs(logsRequestBytes(3), 'protobuf')).rejects.toBeInstanceOf(OtlpLimitError);
    expect(calls).toBe(0);
  });

  it('shares the decompressed-bytes budget with traces', async () => {
    let release: () => void = () => undefined;
    const receiver = createOtlpReceiver({
      limits: { maxInFlightBytes: 2_000 },
      ingest: () => new Promise((done) => (release = () => done({ rejectedSpans: 0 }))),
      ingestLogs: async () => ({ rejectedLogRecords: 0 }),
      logger: quiet,
    });
    const traceBody = Buffer.from(
      JSON.stringify({
        resourceSpans: [
          { scopeSpans: [{ spans: [{ name: 'x'.repeat(1_500), spanId: 'b7ad6b7169203331' }] }] },
        ],
      }),
    );
    const trace = receiver.exportTraces(traceBody, 'json');
    const bigLogs = Buffer.from(logsRequestJson(1, { stringValue: 'y'.repeat(1_000) }));
    await expect(receiver.exportLogs(bigLogs, 'json')).rejects.toBeInstanceOf(UnavailableError);
    release();
    await trace;
    await expect(receiver.exportLogs(bigLogs, 'json')).resolves.toEqual({ rejectedLogRecords: 0 });
  });
});
