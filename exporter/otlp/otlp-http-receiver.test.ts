import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OtlpExportTraceServiceRequest } from '../span-view/otlp-types.js';
import type { ExportTracesResult } from './encode-response.js';
import { type OtlpHttpServer, startOtlpHttpServer } from './http-server.js';
import { createOtlpReceiver, type OtlpReceiver } from './otlp-receiver.js';
import { otlpProtoTypes } from './otlp-schema.js';
import {
  attributeMap,
  idHex,
  int64,
  makeAgentSpans,
  recordingLogger,
  spansOf,
} from './otlp-test-fixtures.js';
import { UnavailableError } from './receiver-errors.js';

type Ingest = (request: OtlpExportTraceServiceRequest) => Promise<ExportTracesResult>;
const accept: Ingest = async () => ({ rejectedSpans: 0 });

let ingestImpl: Ingest = accept;
const received: OtlpExportTraceServiceRequest[] = [];
const logger = recordingLogger();
let receiver: OtlpReceiver;
let server: OtlpHttpServer;
let spans: ReadableSpan[];

beforeAll(async () => {
  receiver = createOtlpReceiver({
    ingest: async (request) => {
      received.push(request);
      return ingestImpl(request);
    },
    limits: { maxRequestBytes: 256 * 1024, maxDecompressedBytes: 1024 * 1024, maxInFlightRequests: 4 },
    logger,
  });
  server = await startOtlpHttpServer(receiver, { port: 0, logger });
  spans = await makeAgentSpans();
});

afterAll(async () => {
  await server.close();
  await receiver.close();
});

afterEach(async () => {
  // Whatever the test sent, the server still serves a valid request.
  ingestImpl = accept;
  received.length = 0;
  const ok = await post(validRequestBytes(), { 'content-type': 'application/x-protobuf' });
  expect(ok.status).toBe(200);
  received.length = 0;
});

function exportWith(exporter: SpanExporter, batch: ReadableSpan[]): Promise<ExportResult> {
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

interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

async function post(
  body: Uint8Array | string,
  headers: Record<string, string>,
  method = 'POST',
  path = '/v1/traces',
): Promise<RawResponse> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    body: method === 'GET' ? undefined : body,
  });
  return { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) };
}

/** POSTs without Content-Length (chunked), so only the streaming byte count can catch the size. */
function postChunked(chunks: Buffer[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${server.url}/v1/traces`,
      { method: 'POST', headers: { 'content-type': 'application/x-protobuf' } },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString() }));
      },
    );
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

function statusMessage(body: Uint8Array): string {
  const type = otlpProtoTypes().rpcStatus;
  return String((type.toObject(type.decode(body)) as { message?: string }).message ?? '');
}

describe('OTLP/HTTP receiver with the official OTel exporters', () => {
  it('receives spans from exporter-trace-otlp-proto with ids, attributes, events, links and status', async () => {
    const exporter = new ProtoExporter({ url: `${server.url}/v1/traces` });
    const result = await exportWith(exporter, spans);
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(received).toHaveLength(1);
    const decoded = spansOf(received[0]!);
    expect(decoded).toHaveLength(3);
    for (const original of spans) {
      const span = decoded.find((s) => idHex(s.spanId) === original.spanContext().spanId)!;
      expect(span.traceId).toBeInstanceOf(Uint8Array);
      expect(idHex(span.traceId)).toBe(original.spanContext().traceId);
      expect(idHex(span.parentSpanId)).toBe(original.parentSpanContext?.spanId ?? '');
      expect(span.name).toBe(original.name);
      expect(span.kind).toBe(original.kind + 1); // OTLP kind is the API enum shifted by one
      expect(attributeMap(span.attributes)).toEqual(original.attributes);
      const [s, ns] = original.startTime;
      expect(int64(span.startTimeUnixNano)).toBe(BigInt(s) * 1_000_000_000n + BigInt(ns));
    }
    const run = decoded.find((s) => s.name === 'invoke_agent planner')!;
    expect(attributeMap(run.attributes)['lineage.tags']).toEqual(['a', 'b']);
    expect(received[0]!.resourceSpans![0]!.scopeSpans![0]!.scope).toMatchObject({
      name: 'agent-lineage-test',
      version: '1.2.3',
    });
    const retrieval = decoded.find((s) => s.name === 'retrieval docs')!;
    expect(retrieval.events).toHaveLength(1);
    expect(retrieval.events![0]!.name).toBe('lineage.datasource');
    expect(attributeMap(retrieval.events![0]!.attributes)).toEqual({
      'lineage.datasource.id': 'doc-1#3',
      'lineage.content.sha256': 'ab'.repeat(32),
      'lineage.retrieval.score': 0.91,
    });
    const chat = decoded.find((s) => s.name?.startsWith('chat'))!;
    expect(chat.links).toHaveLength(1);
    expect(idHex(chat.links![0]!.spanId)).toBe(idHex(retrieval.spanId));
    expect(idHex(chat.links![0]!.traceId)).toBe(idHex(retrieval.traceId));
    expect(attributeMap(chat.links![0]!.attributes)).toEqual({ 'lineage.link.type': 'consumed' });
    expect(chat.status).toEqual({ code: 2, message: 'rate limited once' });
    expect(chat.flags! & 0xff).toBe(1);
  });

  it('receives gzip-compressed protobuf from exporter-trace-otlp-proto', async () => {
    type Config = NonNullable<ConstructorParameters<typeof ProtoExporter>[0]>;
    const exporter = new ProtoExporter({
      url: `${server.url}/v1/traces`,
      compression: 'gzip' as Config['compression'],
    });
    const result = await exportWith(exporter, spans);
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(
      spansOf(received[0]!)
        .map((s) => s.name)
        .sort(),
    ).toEqual(spans.map((s) => s.name).sort());
  });

  it('receives OTLP/JSON from exporter-trace-otlp-http with hex ids and string timestamps', async () => {
    const exporter = new JsonExporter({ url: `${server.url}/v1/traces` });
    const result = await exportWith(exporter, spans);
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    const decoded = spansOf(received[0]!);
    expect(decoded).toHaveLength(3);
    for (const original of spans) {
      const span = decoded.find((s) => s.spanId === original.spanContext().spanId)!;
      expect(span.traceId).toBe(original.spanContext().traceId);
      expect(attributeMap(span.attributes)).toEqual(original.attributes);
      const [s, ns] = original.startTime;
      expect(int64(span.startTimeUnixNano)).toBe(BigInt(s) * 1_000_000_000n + BigInt(ns));
    }
    const chat = decoded.find((s) => s.name?.startsWith('chat'))!;
    expect(typeof chat.links![0]!.spanId).toBe('string');
  });

  it('returns partial success that the official exporter reports (diag warning) while succeeding', async () => {
    const warnings: string[] = [];
    const diagLogger: DiagLogger = {
      error: () => {},
      warn: (...args: unknown[]) => warnings.push(args.map(String).join(' ')),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    };
    diag.setLogger(diagLogger, DiagLogLevel.WARN);
    try {
      ingestImpl = async () => ({ rejectedSpans: 1, errorMessage: 'span 00f0: invalid span id' });
      for (const exporter of [
        new ProtoExporter({ url: `${server.url}/v1/traces` }),
        new JsonExporter({ url: `${server.url}/v1/traces` }),
      ]) {
        const result = await exportWith(exporter, spans);
        await exporter.shutdown();
        expect(result.code).toBe(ExportResultCode.SUCCESS);
      }
    } finally {
      diag.disable();
    }
    const partial = warnings.filter((w) => w.includes('Partial Success'));
    expect(partial).toHaveLength(2);
    for (const w of partial) {
      expect(w).toContain('span 00f0: invalid span id');
      expect(w).toMatch(/"rejectedSpans":"?1"?/);
    }
  });

  it('answers 503 with Retry-After when ingest is unavailable, and the official exporter retries', async () => {
    ingestImpl = async () => {
      throw new UnavailableError('store unavailable', { retryAfterSeconds: 1 });
    };
    const raw = await post(validRequestBytes(), { 'content-type': 'application/x-protobuf' });
    expect(raw.status).toBe(503);
    expect(raw.headers.get('retry-after')).toBe('1');
    expect(statusMessage(raw.body)).toBe('store unavailable');

    let calls = 0;
    ingestImpl = async () => {
      calls++;
      if (calls === 1) throw new UnavailableError('store briefly unavailable', { retryAfterSeconds: 1 });
      return { rejectedSpans: 0 };
    };
    const exporter = new ProtoExporter({ url: `${server.url}/v1/traces` });
    const result = await exportWith(exporter, spans);
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(calls).toBe(2);
  });

  it('answers 500 (not retried) when ingest fails unexpectedly, and logs it', async () => {
    ingestImpl = async () => {
      throw new Error('bug in mapping');
    };
    const raw = await post(validRequestBytes(), { 'content-type': 'application/x-protobuf' });
    expect(raw.status).toBe(500);
    expect(statusMessage(raw.body)).not.toContain('bug in mapping');
    expect(logger.lines.some((l) => l.startsWith('error') && l.includes('bug in mapping'))).toBe(true);
  });
});

describe('OTLP/HTTP receiver refuses bad input with a clear status and stores nothing', () => {
  it('truncated protobuf → 400 with a message', async () => {
    const bytes = validRequestBytes(3, 5);
    const res = await post(bytes.subarray(0, bytes.length - 7), { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(400);
    expect(statusMessage(res.body)).toMatch(/malformed ExportTraceServiceRequest protobuf/);
    expect(received).toHaveLength(0);
  });

  it('random protobuf → 400 or a request with no spans, never a crash', async () => {
    let seed = 42;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed & 0xff;
    };
    for (let i = 0; i < 30; i++) {
      const bytes = Buffer.from(Array.from({ length: 64 + i * 13 }, rand));
      const res = await post(bytes, { 'content-type': 'application/x-protobuf' });
      expect([200, 400]).toContain(res.status);
    }
  });

  it('invalid JSON, wrong JSON types and non-UTF-8 JSON → 400 with a JSON Status body', async () => {
    const cases = [
      '{"resourceSpans": [',
      '{"resourceSpans": {"not": "an array"}}',
      '{"resourceSpans": [{"scopeSpans": [{"spans": [{"name": 5}]}]}]}',
      '{"resourceSpans": [{"scopeSpans": [{"spans": [{"startTimeUnixNano": "12.5"}]}]}]}',
      '[1, 2, 3]',
    ];
    for (const body of cases) {
      const res = await post(body, { 'content-type': 'application/json' });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/json');
      const status = JSON.parse(Buffer.from(res.body).toString()) as { code: number; message: string };
      expect(status.code).toBe(3);
      expect(status.message).toMatch(/malformed/);
    }
    const latin1 = Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]);
    expect((await post(latin1, { 'content-type': 'application/json' })).status).toBe(400);
    expect(received).toHaveLength(0);
  });

  it('wrong content type → 415, wrong method → 405, wrong path → 404, unknown encoding → 415', async () => {
    expect((await post('x', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post('x', {})).status).toBe(415);
    expect(
      (await post('x', { 'content-type': 'application/x-protobuf', 'content-encoding': 'br' })).status,
    ).toBe(415);
    const get = await post('', {}, 'GET');
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(
      (await post('x', { 'content-type': 'application/x-protobuf' }, 'POST', '/v1/metrics')).status,
    ).toBe(404);
    expect(received).toHaveLength(0);
  });

  it('oversized body → 413, by Content-Length and by streamed byte count', async () => {
    const big = Buffer.alloc(300 * 1024, 0x0a);
    const res = await post(big, { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(413);
    expect(statusMessage(res.body)).toMatch(/exceeds 262144 bytes/);
    const chunked = await postChunked(Array.from({ length: 10 }, () => Buffer.alloc(32 * 1024, 0x0a)));
    expect(chunked.status).toBe(413);
    expect(received).toHaveLength(0);
  });

  it('gzip bomb → 413 without inflating it; corrupt gzip → 400', async () => {
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(256 * 1024);
    const res = await post(bomb, { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(statusMessage(res.body)).toMatch(/decompresses to more than 1048576 bytes/);
    const corrupt = await post(Buffer.from('not gzip at all'), {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'gzip',
    });
    expect(corrupt.status).toBe(400);
    expect(received).toHaveLength(0);
  });

  it('10,000 attributes on one span → 400 naming the limit; nothing reaches ingest', async () => {
    const res = await post(validRequestBytes(1, 10_000), { 'content-type': 'application/x-protobuf' });
    expect(res.status).toBe(400);
    expect(statusMessage(res.body)).toMatch(/has 10000 attributes; the limit is 1024/);
    expect(received).toHaveLength(0);
  });

  it('too many requests in flight → 503 with Retry-After, then serves again', async () => {
    const release: (() => void)[] = [];
    ingestImpl = () =>
      new Promise((resolve) => {
        release.push(() => resolve({ rejectedSpans: 0 }));
      });
    const pending = Array.from({ length: 4 }, () =>
      post(validRequestBytes(), { 'content-type': 'application/x-protobuf' }),
    );
    await expect.poll(() => release.length).toBe(4);
    const refused = await post(validRequestBytes(), { 'content-type': 'application/x-protobuf' });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(statusMessage(refused.body)).toMatch(/overloaded/);
    for (const r of release) r();
    for (const res of await Promise.all(pending)) expect(res.status).toBe(200);
  });
});

describe('OTLP/HTTP server lifecycle', () => {
  it('close() waits for an in-flight request to be acknowledged', async () => {
    const local = createOtlpReceiver({
      ingest: () => new Promise((resolve) => setTimeout(() => resolve({ rejectedSpans: 0 }), 300)),
      logger,
    });
    const localServer = await startOtlpHttpServer(local, { port: 0, logger });
    const inFlight = fetch(`${localServer.url}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-protobuf' },
      body: validRequestBytes(),
    });
    await expect.poll(() => local.inFlight).toBe(1);
    let closed = false;
    const closing = Promise.all([localServer.close(), local.close()]).then(() => {
      closed = true;
    });
    const res = await inFlight;
    expect(res.status).toBe(200);
    await closing;
    expect(closed).toBe(true);
    await expect(
      fetch(`${localServer.url}/v1/traces`, { method: 'POST', body: validRequestBytes() }),
    ).rejects.toThrow();
  });
});
