import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otlpRequestToViews } from '../span-view/from-otlp.js';
import { readableSpansToViews } from '../span-view/from-readable-span.js';
import type { OtlpExportTraceServiceRequest } from '../span-view/otlp-types.js';
import { type OtlpGrpcServer, startOtlpGrpcServer } from './grpc-server.js';
import { type OtlpHttpServer, startOtlpHttpServer } from './http-server.js';
import { createOtlpReceiver, type OtlpReceiver } from './otlp-receiver.js';
import { makeAgentSpans, recordingLogger } from './otlp-test-fixtures.js';

// The decoders' output is the normaliser's input: whatever transport the official exporters use,
// `otlpRequestToViews(decoded)` must equal normalising the same spans in process.
const received: OtlpExportTraceServiceRequest[] = [];
let receiver: OtlpReceiver;
let http: OtlpHttpServer;
let grpcServer: OtlpGrpcServer;
let spans: ReadableSpan[];

beforeAll(async () => {
  const logger = recordingLogger();
  receiver = createOtlpReceiver({
    ingest: async (request) => {
      received.push(request);
      return { rejectedSpans: 0 };
    },
    logger,
  });
  http = await startOtlpHttpServer(receiver, { port: 0, logger });
  grpcServer = await startOtlpGrpcServer(receiver, { port: 0, logger });
  spans = await makeAgentSpans();
});

afterAll(async () => {
  await Promise.all([http.close(), grpcServer.close()]);
  await receiver.close();
});

const byId = <T extends { spanId: string }>(xs: readonly T[]) =>
  [...xs].sort((a, b) => a.spanId.localeCompare(b.spanId));

/**
 * Epoch milliseconds as float64 keep ~0.2 µs resolution, and the two normalisers compute them
 * from different inputs (hrtime pairs vs. nanosecond int64): times are compared within 2 µs,
 * everything else exactly.
 */
function splitTimes(value: unknown, times: number[]): unknown {
  if (Array.isArray(value)) return value.map((v) => splitTimes(v, times));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      if (/timeMs$/i.test(k) && typeof v === 'number') {
        times.push(v);
        return [k, 'time'];
      }
      return [k, splitTimes(v, times)];
    }),
  );
}

describe('decoded OTLP requests feed otlpRequestToViews', () => {
  it.each([
    ['exporter-trace-otlp-proto', () => new ProtoExporter({ url: `${http.url}/v1/traces` })],
    ['exporter-trace-otlp-http (JSON)', () => new JsonExporter({ url: `${http.url}/v1/traces` })],
    ['exporter-trace-otlp-grpc', () => new GrpcExporter({ url: `http://${grpcServer.address}` })],
  ])('%s → same SpanViews as the in-process ReadableSpans', async (_name, make) => {
    received.length = 0;
    const exporter: SpanExporter = make();
    const result = await new Promise<ExportResult>((resolve) => exporter.export(spans, resolve));
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    const fromWire = otlpRequestToViews(received[0]!);
    const inProcess = readableSpansToViews(spans);
    expect(fromWire.rejected).toEqual([]);
    const wireTimes: number[] = [];
    const localTimes: number[] = [];
    expect(splitTimes(byId(fromWire.views), wireTimes)).toEqual(
      splitTimes(byId(inProcess.views), localTimes),
    );
    expect(wireTimes).toHaveLength(localTimes.length);
    for (const [i, t] of wireTimes.entries()) expect(Math.abs(t - localTimes[i]!)).toBeLessThan(0.002);
  });
});
