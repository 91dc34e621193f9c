import * as grpc from '@grpc/grpc-js';
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeLogsResponse, decodeTraceResponse, type ExportLogsResult } from './encode-response.js';
import {
  OTLP_GRPC_LOGS_EXPORT_PATH,
  OTLP_GRPC_TRACE_EXPORT_PATH,
  type OtlpGrpcServer,
  startOtlpGrpcServer,
} from './grpc-server.js';
import {
  CHOICE_BODY,
  deeplyNestedBodyProtobuf,
  encodeLogsRequest,
  logRecordsOf,
  logsRequestBytes,
  makeGenAiLogRecords,
  USER_MESSAGE_BODY,
} from './otlp-logs-test-fixtures.js';
import type { OtlpExportLogsServiceRequest } from './otlp-logs-types.js';
import { createOtlpReceiver, type OtlpReceiver } from './otlp-receiver.js';
import { otlpProtoTypes } from './otlp-schema.js';
import { attributeMap, idHex, plainValue, recordingLogger } from './otlp-test-fixtures.js';
import { UnavailableError } from './receiver-errors.js';

type LogsIngest = (request: OtlpExportLogsServiceRequest) => Promise<ExportLogsResult>;
const accept: LogsIngest = async () => ({ rejectedLogRecords: 0 });

let ingestImpl: LogsIngest = accept;
const received: OtlpExportLogsServiceRequest[] = [];
const logger = recordingLogger();
let receiver: OtlpReceiver;
let server: OtlpGrpcServer;
let client: grpc.Client;
let gzipClient: grpc.Client;
/** A receiver without ingestLogs: LogsService is not registered. */
let tracesOnly: OtlpReceiver;
let tracesOnlyServer: OtlpGrpcServer;
let tracesOnlyClient: grpc.Client;
let genAi: Awaited<ReturnType<typeof makeGenAiLogRecords>>;

beforeAll(async () => {
  receiver = createOtlpReceiver({
    ingest: async () => ({ rejectedSpans: 0 }),
    ingestLogs: async (request) => {
      received.push(request);
      return ingestImpl(request);
    },
    limits: { maxDecompressedBytes: 1024 * 1024, maxSpansPerRequest: 50, maxAttributeValueLength: 4096 },
    logger,
  });
  server = await startOtlpGrpcServer(receiver, { port: 0, logger });
  client = new grpc.Client(server.address, grpc.credentials.createInsecure());
  gzipClient = new grpc.Client(server.address, grpc.credentials.createInsecure(), {
    'grpc.default_compression_algorithm': 2, // gzip
  });
  tracesOnly = createOtlpReceiver({ ingest: async () => ({ rejectedSpans: 0 }), logger });
  tracesOnlyServer = await startOtlpGrpcServer(tracesOnly, { port: 0, logger });
  tracesOnlyClient = new grpc.Client(tracesOnlyServer.address, grpc.credentials.createInsecure());
  genAi = await makeGenAiLogRecords();
});

afterAll(async () => {
  client.close();
  gzipClient.close();
  tracesOnlyClient.close();
  await server.close();
  await receiver.close();
  await tracesOnlyServer.close();
  await tracesOnly.close();
});

afterEach(async () => {
  ingestImpl = accept;
  received.length = 0;
  const ok = await call(logsRequestBytes());
  expect(ok.error).toBeUndefined();
  received.length = 0;
});

function exportWith(exporter: GrpcLogExporter, batch: ReadableLogRecord[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(batch, resolve));
}

/** A raw unary call with bytes we choose, so malformed input reaches the server as is. */
function call(
  bytes: Uint8Array,
  via: grpc.Client = client,
  path = OTLP_GRPC_LOGS_EXPORT_PATH,
): Promise<{ error?: grpc.ServiceError; response?: Buffer }> {
  return new Promise((resolve) => {
    via.makeUnaryRequest(
      path,
      (b: Uint8Array) => Buffer.from(b),
      (b: Buffer) => b,
      bytes,
      (error, response) => resolve(error ? { error } : { response: response ?? Buffer.alloc(0) }),
    );
  });
}

describe('OTLP/gRPC LogsService with the official OTel log exporter', () => {
  it('receives GenAI content events from exporter-logs-otlp-grpc with byte ids and kvlist bodies', async () => {
    const exporter = new GrpcLogExporter({ url: `http://${server.address}` });
    const result = await exportWith(exporter, genAi.records);
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(received).toHaveLength(1);
    const records = logRecordsOf(received[0]!);
    expect(records).toHaveLength(3);
    for (const [i, original] of genAi.records.entries()) {
      const record = records[i]!;
      expect(record.spanId).toBeInstanceOf(Uint8Array);
      expect(idHex(record.traceId)).toBe(genAi.span.traceId);
      expect(idHex(record.spanId)).toBe(genAi.span.spanId);
      expect(plainValue(record.body)).toEqual(original.body);
      expect(attributeMap(record.attributes)).toEqual(original.attributes);
    }
    expect(records[0]!.eventName).toBe('gen_ai.user.message');
    expect(plainValue(records[0]!.body)).toEqual(USER_MESSAGE_BODY);
    expect(plainValue(records[1]!.body)).toEqual(CHOICE_BODY);
  });

  it('receives gzip-compressed messages from exporter-logs-otlp-grpc', async () => {
    type Config = NonNullable<ConstructorParameters<typeof GrpcLogExporter>[0]>;
    const exporter = new GrpcLogExporter({
      url: `http://${server.address}`,
      compression: 'gzip' as Config['compression'],
    });
    const result = await exportWith(exporter, genAi.records);
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(logRecordsOf(received[0]!)).toHaveLength(3);
  });

  it('returns partial success that the official exporter reports while succeeding', async () => {
    const warnings: string[] = [];
    const diagLogger: DiagLogger = {
      error: () => {},
      warn: (...args: unknown[]) => warnings.push(args.map(String).join(' ')),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    };
    diag.setLogger(diagLogger, DiagLogLevel.WARN);
    ingestImpl = async () => ({ rejectedLogRecords: 2, errorMessage: '2 content records had no span id' });
    try {
      const exporter = new GrpcLogExporter({ url: `http://${server.address}` });
      const result = await exportWith(exporter, genAi.records);
      await exporter.shutdown();
      expect(result.code).toBe(ExportResultCode.SUCCESS);
    } finally {
      diag.disable();
    }
    const partial = warnings.find((w) => w.includes('Partial Success'));
    expect(partial).toContain('2 content records had no span id');
    expect(partial).toMatch(/"rejectedLogRecords":"?2"?/);
  });

  it('full success is the empty message; partial success carries rejected_log_records (clamped to the records sent)', async () => {
    const ok = await call(logsRequestBytes(3));
    expect(ok.response).toHaveLength(0);
    ingestImpl = async () => ({ rejectedLogRecords: 2, errorMessage: 'late content' });
    const partial = await call(logsRequestBytes(3));
    expect(decodeLogsResponse(partial.response!)).toEqual({
      rejectedLogRecords: 2,
      errorMessage: 'late content',
    });
    ingestImpl = async () => ({ rejectedLogRecords: 10, errorMessage: 'late content' });
    const clamped = await call(logsRequestBytes(3));
    expect(decodeLogsResponse(clamped.response!)).toEqual({
      rejectedLogRecords: 3,
      errorMessage: 'late content',
    });
    // An empty request is OK without calling ingest.
    received.length = 0;
    expect(await call(new Uint8Array(0))).toEqual({ response: Buffer.alloc(0) });
    expect(received).toHaveLength(0);
  });

  it('answers UNAVAILABLE with a RetryInfo detail when ingest is unavailable', async () => {
    ingestImpl = async () => {
      throw new UnavailableError('lineage store unavailable: locked', { retryAfterSeconds: 3 });
    };
    const { error } = await call(logsRequestBytes());
    expect(error?.code).toBe(grpc.status.UNAVAILABLE);
    expect(error?.details).toBe('lineage store unavailable: locked');
    const [detailsBin] = error!.metadata.get('grpc-status-details-bin');
    const types = otlpProtoTypes();
    const status = types.rpcStatus.toObject(types.rpcStatus.decode(detailsBin as Buffer)) as {
      code: number;
      details: { typeUrl: string; value: Uint8Array }[];
    };
    expect(status.code).toBe(14);
    expect(status.details[0]!.typeUrl).toBe('type.googleapis.com/google.rpc.RetryInfo');
    expect(
      types.retryInfo.toObject(types.retryInfo.decode(status.details[0]!.value), { longs: Number }),
    ).toEqual({ retryDelay: { seconds: 3 } });
    const exporter = new GrpcLogExporter({ url: `http://${server.address}` });
    const failed = await exportWith(exporter, genAi.records);
    await exporter.shutdown();
    expect(failed.code).toBe(ExportResultCode.FAILED);
  });
});

describe('OTLP/gRPC LogsService refuses bad input; nothing reaches ingest', () => {
  it('truncated, deeply nested and random protobuf → INVALID_ARGUMENT with a message', async () => {
    const bytes = logsRequestBytes(3, 4);
    const truncated = await call(bytes.subarray(0, bytes.length - 5));
    expect(truncated.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(truncated.error?.details).toMatch(/malformed ExportLogsServiceRequest protobuf/);
    const deep = await call(deeplyNestedBodyProtobuf(200));
    expect(deep.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(deep.error?.details).toMatch(/maximum nesting depth/);
    let seed = 11;
    for (let i = 0; i < 20; i++) {
      const random = Buffer.from(
        Array.from({ length: 50 + i * 17 }, () => {
          seed = (seed * 1103515245 + 12345) & 0x7fffffff;
          return seed & 0xff;
        }),
      );
      const { error } = await call(random);
      if (error) expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    }
    for (const r of received) expect(logRecordsOf(r).length).toBeGreaterThan(0);
  });

  it('too many records → INVALID_ARGUMENT naming the limit; a long body is accepted', async () => {
    const many = await call(logsRequestBytes(51));
    expect(many.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(many.error?.details).toBe(
      'request has more than 50 log records (the limit); split it into smaller batches',
    );
    expect(received).toHaveLength(0);
    const longBody = await call(
      encodeLogsRequest({
        resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'x'.repeat(5000) } }] }] }],
      }),
    );
    expect(longBody.error).toBeUndefined();
    expect(received).toHaveLength(1);
  });

  it('message over the receive limit → RESOURCE_EXHAUSTED, also as a gzip bomb', async () => {
    const huge = encodeLogsRequest({
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ severityText: 'y'.repeat(2 * 1024 * 1024) }] }] }],
    });
    expect((await call(huge)).error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    const bomb = encodeLogsRequest({
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ severityText: 'x'.repeat(8 * 1024 * 1024) }] }] }],
    });
    expect((await call(bomb, gzipClient)).error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(received).toHaveLength(0);
  });

  it('ingest bug → INTERNAL without leaking its message', async () => {
    ingestImpl = async () => {
      throw new Error('secret internals');
    };
    const { error } = await call(logsRequestBytes());
    expect(error?.code).toBe(grpc.status.INTERNAL);
    expect(error?.details).not.toContain('secret internals');
  });
});

describe('OTLP/gRPC server without ingestLogs', () => {
  it('does not register LogsService (UNIMPLEMENTED) and still serves TraceService', async () => {
    const raw = await call(logsRequestBytes(), tracesOnlyClient);
    expect(raw.error?.code).toBe(grpc.status.UNIMPLEMENTED);
    const exporter = new GrpcLogExporter({ url: `http://${tracesOnlyServer.address}` });
    const result = await exportWith(exporter, genAi.records);
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect((result.error as grpc.ServiceError | undefined)?.code).toBe(grpc.status.UNIMPLEMENTED);
    const traces = await call(new Uint8Array(0), tracesOnlyClient, OTLP_GRPC_TRACE_EXPORT_PATH);
    expect(traces.error).toBeUndefined();
    expect(decodeTraceResponse(traces.response!)).toEqual({ rejectedSpans: 0 });
  });
});
