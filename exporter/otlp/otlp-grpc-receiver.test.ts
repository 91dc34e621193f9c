import * as grpc from '@grpc/grpc-js';
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OtlpExportTraceServiceRequest } from '../span-view/otlp-types.js';
import { decodeTraceResponse, type ExportTracesResult } from './encode-response.js';
import { OTLP_GRPC_TRACE_EXPORT_PATH, type OtlpGrpcServer, startOtlpGrpcServer } from './grpc-server.js';
import { createOtlpReceiver, type OtlpReceiver } from './otlp-receiver.js';
import { otlpProtoTypes } from './otlp-schema.js';
import { attributeMap, idHex, makeAgentSpans, recordingLogger, spansOf } from './otlp-test-fixtures.js';
import { UnavailableError } from './receiver-errors.js';

type Ingest = (request: OtlpExportTraceServiceRequest) => Promise<ExportTracesResult>;
const accept: Ingest = async () => ({ rejectedSpans: 0 });

let ingestImpl: Ingest = accept;
const received: OtlpExportTraceServiceRequest[] = [];
const logger = recordingLogger();
let receiver: OtlpReceiver;
let server: OtlpGrpcServer;
let client: grpc.Client;
let gzipClient: grpc.Client;
let spans: ReadableSpan[];

beforeAll(async () => {
  receiver = createOtlpReceiver({
    ingest: async (request) => {
      received.push(request);
      return ingestImpl(request);
    },
    limits: { maxDecompressedBytes: 1024 * 1024 },
    logger,
  });
  server = await startOtlpGrpcServer(receiver, { port: 0, logger });
  client = new grpc.Client(server.address, grpc.credentials.createInsecure());
  gzipClient = new grpc.Client(server.address, grpc.credentials.createInsecure(), {
    'grpc.default_compression_algorithm': 2, // gzip
  });
  spans = await makeAgentSpans();
});

afterAll(async () => {
  client.close();
  gzipClient.close();
  await server.close();
  await receiver.close();
});

afterEach(async () => {
  ingestImpl = accept;
  received.length = 0;
  const ok = await call(validRequestBytes());
  expect(ok.error).toBeUndefined();
  received.length = 0;
});

function exportWith(exporter: GrpcExporter, batch: ReadableSpan[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(batch, resolve));
}

function validRequestBytes(spanCount = 1, attributesPerSpan = 1): Uint8Array {
  const type = otlpProtoTypes().exportTraceServiceRequest;
  const attributes = Array.from({ length: attributesPerSpan }, (_, i) => ({
    key: `k${i}`,
    value: { intValue: i },
  }));
  const list = Array.from({ length: spanCount }, (_, i) => ({
    traceId: Buffer.alloc(16, 1),
    spanId: Buffer.alloc(8, i + 1),
    name: `s${i}`,
    attributes,
  }));
  return type.encode(type.fromObject({ resourceSpans: [{ scopeSpans: [{ spans: list }] }] })).finish();
}

/** A raw unary call with bytes we choose, so malformed input reaches the server as is. */
function call(
  bytes: Uint8Array,
  via: grpc.Client = client,
): Promise<{ error?: grpc.ServiceError; response?: ExportTracesResult }> {
  return new Promise((resolve) => {
    via.makeUnaryRequest(
      OTLP_GRPC_TRACE_EXPORT_PATH,
      (b: Uint8Array) => Buffer.from(b),
      (b: Buffer) => b,
      bytes,
      (error, response) =>
        resolve(error ? { error } : { response: decodeTraceResponse(response ?? Buffer.alloc(0)) }),
    );
  });
}

describe('OTLP/gRPC receiver with the official OTel exporter', () => {
  it('receives spans from exporter-trace-otlp-grpc with byte ids, attributes, events and links', async () => {
    const exporter = new GrpcExporter({ url: `http://${server.address}` });
    const result = await exportWith(exporter, spans);
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    const decoded = spansOf(received[0]!);
    expect(decoded).toHaveLength(3);
    for (const original of spans) {
      const span = decoded.find((s) => idHex(s.spanId) === original.spanContext().spanId)!;
      expect(span.spanId).toBeInstanceOf(Uint8Array);
      expect(idHex(span.traceId)).toBe(original.spanContext().traceId);
      expect(attributeMap(span.attributes)).toEqual(original.attributes);
      expect(span.events?.length ?? 0).toBe(original.events.length);
      expect(span.links?.length ?? 0).toBe(original.links.length);
    }
  });

  it('receives gzip-compressed messages from exporter-trace-otlp-grpc', async () => {
    type Config = NonNullable<ConstructorParameters<typeof GrpcExporter>[0]>;
    const exporter = new GrpcExporter({
      url: `http://${server.address}`,
      compression: 'gzip' as Config['compression'],
    });
    const result = await exportWith(exporter, spans);
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(spansOf(received[0]!)).toHaveLength(3);
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
    ingestImpl = async () => ({ rejectedSpans: 2, errorMessage: '2 spans had invalid ids' });
    try {
      const exporter = new GrpcExporter({ url: `http://${server.address}` });
      const result = await exportWith(exporter, spans);
      await exporter.shutdown();
      expect(result.code).toBe(ExportResultCode.SUCCESS);
    } finally {
      diag.disable();
    }
    const partial = warnings.find((w) => w.includes('Partial Success'));
    expect(partial).toContain('2 spans had invalid ids');
    expect(await call(validRequestBytes(3))).toEqual({
      response: { rejectedSpans: 2, errorMessage: '2 spans had invalid ids' },
    });
  });

  it('answers UNAVAILABLE with a RetryInfo detail, which the official exporter reports as a failure', async () => {
    ingestImpl = async () => {
      throw new UnavailableError('store unavailable', { retryAfterSeconds: 3 });
    };
    const { error } = await call(validRequestBytes());
    expect(error?.code).toBe(grpc.status.UNAVAILABLE);
    expect(error?.details).toBe('store unavailable');
    const [detailsBin] = error!.metadata.get('grpc-status-details-bin');
    const types = otlpProtoTypes();
    const status = types.rpcStatus.toObject(types.rpcStatus.decode(detailsBin as Buffer)) as {
      code: number;
      details: { typeUrl: string; value: Uint8Array }[];
    };
    expect(status.code).toBe(14);
    expect(status.details[0]!.typeUrl).toBe('type.googleapis.com/google.rpc.RetryInfo');
    const retry = types.retryInfo.toObject(types.retryInfo.decode(status.details[0]!.value), {
      longs: Number,
    });
    expect(retry).toEqual({ retryDelay: { seconds: 3 } });

    // exporter-trace-otlp-grpc 0.223 does not retry at all (its HTTP siblings do); the Collector's
    // OTLP exporter retries UNAVAILABLE and honours RetryInfo.
    const exporter = new GrpcExporter({ url: `http://${server.address}` });
    const failed = await exportWith(exporter, spans);
    expect(failed.code).toBe(ExportResultCode.FAILED);
    expect((failed.error as grpc.ServiceError | undefined)?.code).toBe(grpc.status.UNAVAILABLE);
    ingestImpl = accept;
    const retried = await exportWith(exporter, spans);
    await exporter.shutdown();
    expect(retried.code).toBe(ExportResultCode.SUCCESS);
  });
});

describe('OTLP/gRPC receiver refuses bad input and keeps serving', () => {
  it('truncated and random protobuf → INVALID_ARGUMENT with a message', async () => {
    const bytes = validRequestBytes(3, 4);
    const truncated = await call(bytes.subarray(0, bytes.length - 5));
    expect(truncated.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(truncated.error?.details).toMatch(/malformed ExportTraceServiceRequest protobuf/);
    let seed = 7;
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
    expect(received).toHaveLength(0);
  });

  it('10,000 attributes on one span → INVALID_ARGUMENT; nothing reaches ingest', async () => {
    const { error } = await call(validRequestBytes(1, 10_000));
    expect(error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error?.details).toMatch(/10000 attributes; the limit is 1024/);
    expect(received).toHaveLength(0);
  });

  it('message over the receive limit → RESOURCE_EXHAUSTED, also when it is a gzip bomb', async () => {
    const type = otlpProtoTypes().exportTraceServiceRequest;
    const oversized = type
      .encode(
        type.fromObject({
          resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'y'.repeat(2 * 1024 * 1024) }] }] }],
        }),
      )
      .finish();
    const big = await call(oversized);
    expect(big.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    // 8 MiB of one repeated string compresses to a few KiB on the wire.
    const bomb = type
      .encode(
        type.fromObject({
          resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'x'.repeat(8 * 1024 * 1024) }] }] }],
        }),
      )
      .finish();
    const viaGzip = await call(bomb, gzipClient);
    expect(viaGzip.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(received).toHaveLength(0);
  });

  it('ingest bug → INTERNAL without leaking its message', async () => {
    ingestImpl = async () => {
      throw new Error('secret internals');
    };
    const { error } = await call(validRequestBytes());
    expect(error?.code).toBe(grpc.status.INTERNAL);
    expect(error?.details).not.toContain('secret internals');
  });
});

describe('OTLP/gRPC server lifecycle', () => {
  it('close() lets an in-flight call finish with OK, then refuses new calls', async () => {
    const local = createOtlpReceiver({
      ingest: () => new Promise((resolve) => setTimeout(() => resolve({ rejectedSpans: 0 }), 300)),
      logger,
    });
    const localServer = await startOtlpGrpcServer(local, { port: 0, logger });
    const localClient = new grpc.Client(localServer.address, grpc.credentials.createInsecure());
    try {
      const inFlight = call(validRequestBytes(), localClient);
      await expect.poll(() => local.inFlight).toBe(1);
      const closing = Promise.all([localServer.close(), local.close()]);
      expect(await inFlight).toEqual({ response: { rejectedSpans: 0 } });
      await closing;
      const after = await call(validRequestBytes(), localClient);
      expect(after.error?.code).toBe(grpc.status.UNAVAILABLE);
    } finally {
      localClient.close();
    }
  });
});
