import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeLogsResponse, type ExportLogsResult } from './encode-response.js';
import { type OtlpHttpServer, startOtlpHttpServer } from './http-server.js';
import {
  CHOICE_BODY,
  deeplyNestedBodyJson,
  deeplyNestedBodyProtobuf,
  encodeLogsRequest,
  logRecordsOf,
  logsRequestBytes,
  logsRequestJson,
  logsRequestObject,
  makeGenAiLogRecords,
  USER_MESSAGE_BODY,
} from './otlp-logs-test-fixtures.js';
import type { OtlpExportLogsServiceRequest } from './otlp-logs-types.js';
import { createOtlpReceiver, type OtlpReceiver } from './otlp-receiver.js';
import { otlpProtoTypes } from './otlp-schema.js';
import { attributeMap, idHex, int64, plainValue, recordingLogger } from './otlp-test-fixtures.js';
import { UnavailableError } from './receiver-errors.js';

type LogsIngest = (request: OtlpExportLogsServiceRequest) => Promise<ExportLogsResult>;
const accept: LogsIngest = async () => ({ rejectedLogRecords: 0 });

let ingestImpl: LogsIngest = accept;
const received: OtlpExportLogsServiceRequest[] = [];
let tracesReceived = 0;
let traceRelease: (() => void)[] = [];
let holdTraces = false;
const logger = recordingLogger();
let receiver: OtlpReceiver;
let server: OtlpHttpServer;
/** A receiver without ingestLogs: /v1/logs is not served. */
let tracesOnly: OtlpReceiver;
let tracesOnlyServer: OtlpHttpServer;
let genAi: Awaited<ReturnType<typeof makeGenAiLogRecords>>;

beforeAll(async () => {
  receiver = createOtlpReceiver({
    ingest: async () => {
      tracesReceived++;
      if (holdTraces) await new Promise<void>((resolve) => traceRelease.push(resolve));
      return { rejectedSpans: 0 };
    },
    ingestLogs: async (request) => {
      received.push(request);
      return ingestImpl(request);
    },
    limits: {
      maxRequestBytes: 256 * 1024,
      maxDecompressedBytes: 1024 * 1024,
      maxInFlightRequests: 4,
      maxSpansPerRequest: 50,
      maxAttributesPerSpan: 64,
      maxAttributeValueLength: 4096,
    },
    logger,
  });
  server = await startOtlpHttpServer(receiver, { port: 0, logger });
  tracesOnly = createOtlpReceiver({ ingest: async () => ({ rejectedSpans: 0 }), logger });
  tracesOnlyServer = await startOtlpHttpServer(tracesOnly, { port: 0, logger });
  genAi = await makeGenAiLogRecords();
});

afterAll(async () => {
  await server.close();
  await receiver.close();
  await tracesOnlyServer.close();
  await tracesOnly.close();
});

afterEach(async () => {
  // Whatever the test sent, the server still serves a valid logs request.
  ingestImpl = accept;
  holdTraces = false;
  received.length = 0;
  const ok = await post(logsRequestBytes(), { 'content-type': 'application/x-protobuf' });
  expect(ok.status).toBe(200);
  received.length = 0;
});

function exportWith(exporter: LogRecordExporter, batch: ReadableLogRecord[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(batch, resolve));
}

interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Uint8Array;
}

async function post(
  body: Uint8Array | string,
  headers: Record<string, string>,
  options: { method?: string; path?: string; base?: string } = {},
): Promise<RawResponse> {
  const method = options.method ?? 'POST';
  const res = await fetch(`${options.base ?? server.url}${options.path ?? '/v1/logs'}`, {
    method,
    headers,
    body: method === 'GET' ? undefined : body,
  });
  return { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) };
}

const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const JSON_TYPE = { 'content-type': 'application/json' };

/** POSTs without Content-Length (chunked), so only the streaming byte count can catch the size. */
function postChunked(chunks: Buffer[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server.url}/v1/logs`, { method: 'POST', headers: PROTOBUF }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString() }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

function rpcStatus(body: Uint8Array): { code: number; message: string } {
  const type = otlpProtoTypes().rpcStatus;
  const o = type.toObject(type.decode(body)) as { code?: number; message?: string };
  return { code: o.code ?? 0, message: o.message ?? '' };
}

function jsonOf(body: Uint8Array): unknown {
  return JSON.parse(Buffer.from(body).toString('utf8'));
}

/** Captures the official exporters' diag warnings (where they report partial success). */
async function withDiagWarnings(work: () => Promise<void>): Promise<string[]> {
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
    await work();
  } finally {
    diag.disable();
  }
  return warnings;
}

/** Asserts the decoded records match what the SDK emitted, whichever encoding carried them. */
function expectSameRecords(request: OtlpExportLogsServiceRequest, originals: readonly ReadableLogRecord[]) {
  const decoded = logRecordsOf(request);
  expect(decoded).toHaveLength(originals.length);
  for (const [i, original] of originals.entries()) {
    const record = decoded[i]!;
    expect(idHex(record.traceId)).toBe(original.spanContext?.traceId);
    expect(idHex(record.spanId)).toBe(original.spanContext?.spanId);
    expect(record.eventName ?? undefined).toBe(original.eventName);
    expect(plainValue(record.body)).toEqual(original.body);
    expect(attributeMap(record.attributes)).toEqual(original.attributes);
    const [s, ns] = original.hrTime;
    expect(int64(record.timeUnixNano)).toBe(BigInt(s) * 1_000_000_000n + BigInt(ns));
    expect((record.flags ?? 0) & 0xff).toBe(1);
  }
  expect(request.resourceLogs![0]!.scopeLogs![0]!.scope).toMatchObject({
    name: 'agent-lineage-logs-test',
    version: '4.5.6',
  });
}

describe('OTLP/HTTP /v1/logs with the official OTel log exporters', () => {
  it('receives GenAI content events from exporter-logs-otlp-proto with byte ids, event names and kvlist bodies', async () => {
    const exporter = new ProtoLogExporter({ url: `${server.url}/v1/logs` });
    const result = await exportWith(exporter, genAi.records);
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(received).toHaveLength(1);
    expectSameRecords(received[0]!, genAi.records);
    const [user, choice, plain] = logRecordsOf(received[0]!);
    expect(user!.traceId).toBeInstanceOf(Uint8Array);
    expect(idHex(user!.spanId)).toBe(genAi.span.spanId);
    expect(user!.eventName).toBe('gen_ai.user.message');
    expect(user!.severityNumber).toBe(9);
    expect(plainValue(user!.body)).toEqual(USER_MESSAGE_BODY);
    expect(attributeMap(choice!.attributes)['event.name']).toBe('gen_ai.choice');
    expect(plainValue(choice!.body)).toEqual(CHOICE_BODY);
    expect(plain!.severityText).toBe('INFO');
    expect(plainValue(plain!.body)).toBe('an ordinary log line');
  });

  it('receives gzip-compressed protobuf from exporter-logs-otlp-proto', async () => {
    type Config = NonNullable<ConstructorParameters<typeof ProtoLogExporter>[0]>;
    const exporter = new ProtoLogExporter({
      url: `${server.url}/v1/logs`,
      compression: 'gzip' as Config['compression'],
    });
    const result = await exportWith(exporter, genAi.records);
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expectSameRecords(received[0]!, genAi.records);
  });

  it('receives OTLP/JSON from exporter-logs-otlp-http with hex ids and string timestamps', async () => {
    const exporter = new JsonLogExporter({ url: `${server.url}/v1/logs` });
    const result = await exportWith(exporter, genAi.records);
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expectSameRecords(received[0]!, genAi.records);
    const [user] = logRecordsOf(received[0]!);
    expect(user!.traceId).toBe(genAi.span.traceId);
    expect(user!.spanId).toBe(genAi.span.spanId);
  });

  it('returns partial success that both official exporters report (diag warning) while succeeding', async () => {
    ingestImpl = async () => ({
      rejectedLogRecords: 1,
      errorMessage: 'run 0af7 was finalised before this content log record arrived',
    });
    const warnings = await withDiagWarnings(async () => {
      for (const exporter of [
        new ProtoLogExporter({ url: `${server.url}/v1/logs` }),
        new JsonLogExporter({ url: `${server.url}/v1/logs` }),
      ]) {
        const result = await exportWith(exporter, genAi.records);
        await exporter.shutdown();
        expect(result.code).toBe(ExportResultCode.SUCCESS);
      }
    });
    const partial = warnings.filter((w) => w.includes('Partial Success'));
    expect(partial).toHaveLength(2);
    for (const w of partial) {
      expect(w).toContain('finalised before this content log record arrived');
      expect(w).toMatch(/"rejectedLogRecords":"?1"?/);
    }
  });

  it('answers 503 with Retry-After when ingest is unavailable, and the official exporter retries', async () => {
    let calls = 0;
    ingestImpl = async () => {
      calls++;
      if (calls === 1) throw new UnavailableError('store briefly unavailable', { retryAfterSeconds: 1 });
      return { rejectedLogRecords: 0 };
    };
    const exporter = new ProtoLogExporter({ url: `${server.url}/v1/logs` });
    const result = await exportWith(exporter, genAi.records);
    await exporter.shutdown();
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(calls).toBe(2);
  });
});

describe('OTLP/HTTP /v1/logs responses', () => {
  it('an empty request → 200 with the empty response in either encoding; ingest is not called', async () => {
    const empty = await post(new Uint8Array(0), PROTOBUF);
    expect(empty.status).toBe(200);
    expect(empty.headers.get('content-type')).toBe('application/x-protobuf');
    expect(empty.body).toHaveLength(0);
    const noRecords = await post(encodeLogsRequest({ resourceLogs: [{ scopeLogs: [{}] }] }), PROTOBUF);
    expect(noRecords.status).toBe(200);
    expect(noRecords.body).toHaveLength(0);
    const json = await post('{}', JSON_TYPE);
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(jsonOf(json.body)).toEqual({});
    const jsonNoRecords = await post('{"resourceLogs":[{"scopeLogs":[{"logRecords":[]}]}]}', JSON_TYPE);
    expect(jsonOf(jsonNoRecords.body)).toEqual({});
    expect(received).toHaveLength(0);
  });

  it('full success is the empty message: zero bytes (protobuf) and {} (JSON)', async () => {
    const pb = await post(logsRequestBytes(3), PROTOBUF);
    expect(pb.status).toBe(200);
    expect(pb.body).toHaveLength(0);
    const json = await post(logsRequestJson(3), JSON_TYPE);
    expect(json.status).toBe(200);
    expect(jsonOf(json.body)).toEqual({});
    expect(received.map((r) => logRecordsOf(r).length)).toEqual([3, 3]);
  });

  it('partial success: rejected_log_records and error_message in protobuf, int64 as a decimal string in JSON', async () => {
    ingestImpl = async () => ({ rejectedLogRecords: 2, errorMessage: '2 records carry no span id' });
    const pb = await post(logsRequestBytes(3), PROTOBUF);
    expect(pb.status).toBe(200);
    expect(decodeLogsResponse(pb.body)).toEqual({
      rejectedLogRecords: 2,
      errorMessage: '2 records carry no span id',
    });
    const json = await post(logsRequestJson(3), JSON_TYPE);
    expect(json.status).toBe(200);
    expect(jsonOf(json.body)).toEqual({
      partialSuccess: { rejectedLogRecords: '2', errorMessage: '2 records carry no span id' },
    });
  });

  it('a warning without rejections is still sent as partial success with 0 rejected', async () => {
    ingestImpl = async () => ({ rejectedLogRecords: 0, errorMessage: 'content capture is off' });
    const pb = await post(logsRequestBytes(1), PROTOBUF);
    expect(decodeLogsResponse(pb.body)).toEqual({
      rejectedLogRecords: 0,
      errorMessage: 'content capture is off',
    });
    const json = await post(logsRequestJson(1), JSON_TYPE);
    expect(jsonOf(json.body)).toEqual({
      partialSuccess: { rejectedLogRecords: '0', errorMessage: 'content capture is off' },
    });
  });

  it('an impossible rejected count from ingest is clamped to [0, records] and logged', async () => {
    logger.lines.length = 0;
    ingestImpl = async () => ({ rejectedLogRecords: 99, errorMessage: 'all bad' });
    const high = await post(logsRequestBytes(3), PROTOBUF);
    expect(decodeLogsResponse(high.body)).toEqual({ rejectedLogRecords: 3, errorMessage: 'all bad' });
    ingestImpl = async () => ({ rejectedLogRecords: -4 });
    const negative = await post(logsRequestBytes(3), PROTOBUF);
    expect(negative.body).toHaveLength(0);
    ingestImpl = async () => ({ rejectedLogRecords: 1.5 });
    const fractional = await post(logsRequestJson(2), JSON_TYPE);
    expect(jsonOf(fractional.body)).toEqual({});
    const clamped = logger.lines.filter((l) => l.includes('impossible rejectedLogRecords'));
    expect(clamped).toHaveLength(3);
  });
});

describe('OTLP/HTTP /v1/logs refuses bad input with a clear status; nothing reaches ingest', () => {
  it('404 when the receiver has no ingestLogs, naming the only path served; traces still served there', async () => {
    for (const [body, headers] of [
      [logsRequestBytes(), PROTOBUF],
      [logsRequestJson(), JSON_TYPE],
    ] as const) {
      const res = await post(body, headers, { base: tracesOnlyServer.url });
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/json');
      const status = jsonOf(res.body) as { code: number; message: string };
      expect(status.code).toBe(5);
      expect(status.message).toBe('not found: only POST /v1/traces is served here');
    }
    const traces = await post(new Uint8Array(0), PROTOBUF, {
      base: tracesOnlyServer.url,
      path: '/v1/traces',
    });
    expect(traces.status).toBe(200);
  });

  it('404 for other paths names both served paths when logs are served', async () => {
    const res = await post('x', PROTOBUF, { path: '/v1/metrics' });
    expect(res.status).toBe(404);
    expect((jsonOf(res.body) as { message: string }).message).toBe(
      'not found: POST /v1/traces and POST /v1/logs are served here',
    );
    expect((await post('x', PROTOBUF, { path: '/v1/logs/' })).status).toBe(404);
  });

  it('wrong method → 405 with Allow, wrong content type or encoding → 415', async () => {
    const get = await post('', {}, { method: 'GET' });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const put = await post(logsRequestBytes(), PROTOBUF, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect((await post('x', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await post('x', {})).status).toBe(415);
    const br = await post(logsRequestBytes(), { ...PROTOBUF, 'content-encoding': 'br' });
    expect(br.status).toBe(415);
    expect(rpcStatus(br.body).message).toMatch(/unsupported content encoding "br"/);
    expect(received).toHaveLength(0);
  });

  it('oversized body → 413, by Content-Length and by streamed byte count', async () => {
    const res = await post(Buffer.alloc(300 * 1024, 0x0a), PROTOBUF);
    expect(res.status).toBe(413);
    expect(rpcStatus(res.body)).toEqual({ code: 8, message: expect.stringMatching(/exceeds 262144 bytes/) });
    const chunked = await postChunked(Array.from({ length: 10 }, () => Buffer.alloc(32 * 1024, 0x0a)));
    expect(chunked.status).toBe(413);
    expect(received).toHaveLength(0);
  });

  it('gzip-compressed records are accepted; a gzip bomb → 413; corrupt gzip → 400', async () => {
    const gzipped = await post(gzipSync(logsRequestBytes(5)), { ...PROTOBUF, 'content-encoding': 'gzip' });
    expect(gzipped.status).toBe(200);
    const gzippedJson = await post(gzipSync(logsRequestJson(4)), {
      ...JSON_TYPE,
      'content-encoding': 'gzip',
    });
    expect(gzippedJson.status).toBe(200);
    expect(received.map((r) => logRecordsOf(r).length)).toEqual([5, 4]);
    received.length = 0;
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024));
    const res = await post(bomb, { ...PROTOBUF, 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(rpcStatus(res.body).message).toMatch(/decompresses to more than 1048576 bytes/);
    const corrupt = await post(Buffer.from('not gzip'), { ...PROTOBUF, 'content-encoding': 'gzip' });
    expect(corrupt.status).toBe(400);
    expect(received).toHaveLength(0);
  });

  it('more records than maxSpansPerRequest → 400 naming the limit, in either encoding and across scopes', async () => {
    const pb = await post(logsRequestBytes(51), PROTOBUF);
    expect(pb.status).toBe(400);
    expect(rpcStatus(pb.body)).toEqual({
      code: 3,
      message: 'request has more than 50 log records (the limit); split it into smaller batches',
    });
    const json = await post(logsRequestJson(51), JSON_TYPE);
    expect(json.status).toBe(400);
    expect((jsonOf(json.body) as { message: string }).message).toMatch(/more than 50 log records/);
    // 2 × 30 records in two scopes of two resources: the count is over the whole request.
    const half = logsRequestObject(30) as { resourceLogs: unknown[] };
    const split = await post(
      encodeLogsRequest({ resourceLogs: [...half.resourceLogs, ...half.resourceLogs] }),
      PROTOBUF,
    );
    expect(split.status).toBe(400);
    expect(received).toHaveLength(0);
    // Exactly at the limit is accepted.
    expect((await post(logsRequestBytes(50), PROTOBUF)).status).toBe(200);
    expect(logRecordsOf(received[0]!)).toHaveLength(50);
  });

  it('attribute limits apply to record attributes, resources, scopes and the shape of bodies', async () => {
    const long = 'x'.repeat(4097);
    const record = (fields: Record<string, unknown>) =>
      encodeLogsRequest({
        resourceLogs: [{ scopeLogs: [{ logRecords: [{ spanId: Buffer.alloc(8, 1), ...fields }] }] }],
      });
    const nested = (leaf: unknown, depth: number): unknown =>
      depth === 0
        ? leaf
        : depth % 2 === 0
          ? { arrayValue: { values: [{ stringValue: 'ok' }, nested(leaf, depth - 1)] } }
          : { kvlistValue: { values: [{ key: `level${depth}`, value: nested(leaf, depth - 1) }] } };
    const cases: [string, Uint8Array, RegExp][] = [
      [
        'a body array with too many values nested 10 levels deep',
        record({
          body: nested(
            { arrayValue: { values: Array.from({ length: 65 }, () => ({ boolValue: true })) } },
            10,
          ),
        }),
        /is an array of 65 values; the limit is 64/,
      ],
      [
        'a body array with too many values',
        record({ body: { arrayValue: { values: Array.from({ length: 65 }, () => ({ boolValue: true })) } } }),
        /attribute "body" on a log record is an array of 65 values; the limit is 64/,
      ],
      [
        'a body kvlist with too many entries',
        record({
          body: {
            kvlistValue: {
              values: Array.from({ length: 65 }, (_, i) => ({ key: `m${i}`, value: { intValue: i } })),
            },
          },
        }),
        /log record \(in "body"\) has 65 attributes; the limit is 64/,
      ],
      [
        'too many record attributes',
        logsRequestBytes(1, 65),
        /a log record has 65 attributes; the limit is 64/,
      ],
      [
        'a long record attribute value',
        record({ attributes: [{ key: 'gen_ai.prompt', value: { stringValue: long } }] }),
        /attribute "gen_ai.prompt" on a log record is 4097 characters long/,
      ],
      [
        'a long resource attribute',
        encodeLogsRequest({
          resourceLogs: [
            { resource: { attributes: [{ key: 'service.name', value: { stringValue: long } }] } },
          ],
        }),
        /attribute "service.name" on a resource/,
      ],
      [
        'too many scope attributes',
        encodeLogsRequest({
          resourceLogs: [
            {
              scopeLogs: [
                {
                  scope: { name: 's', attributes: Array.from({ length: 65 }, (_, i) => ({ key: `a${i}` })) },
                },
              ],
            },
          ],
        }),
        /an instrumentation scope has 65 attributes/,
      ],
    ];
    for (const [name, bytes, message] of cases) {
      const res = await post(bytes, PROTOBUF);
      expect(res.status, name).toBe(400);
      expect(rpcStatus(res.body).message, name).toMatch(message);
    }
    expect(received).toHaveLength(0);
    // The same refusal in OTLP/JSON, for a long record attribute.
    const json = await post(
      Buffer.from(
        JSON.stringify({
          resourceLogs: [
            {
              scopeLogs: [
                { logRecords: [{ attributes: [{ key: 'gen_ai.prompt', value: { stringValue: long } }] }] },
              ],
            },
          ],
        }),
      ),
      JSON_TYPE,
    );
    expect(json.status).toBe(400);
    expect((jsonOf(json.body) as { message: string }).message).toMatch(
      /attribute "gen_ai.prompt" on a log record is 4097 characters/,
    );
    expect(received).toHaveLength(0);
  });

  it('a long body is accepted: bodies are message content (a whole prompt), bounded by the request size', async () => {
    const long = 'x'.repeat(50_000);
    const body = encodeLogsRequest({
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                { spanId: Buffer.alloc(8, 1), body: { stringValue: long } },
                {
                  spanId: Buffer.alloc(8, 1),
                  body: { kvlistValue: { values: [{ key: 'content', value: { stringValue: long } }] } },
                },
              ],
            },
          ],
        },
      ],
    });
    const before = received.length;
    expect((await post(body, PROTOBUF)).status).toBe(200);
    expect(received.length).toBe(before + 1);
    expect(logRecordsOf(received[before]!)).toHaveLength(2);
  });
  it('a body nested beyond what the decoders accept → 400 malformed in either encoding, never 500', async () => {
    const pb = await post(deeplyNestedBodyProtobuf(200), PROTOBUF);
    expect(pb.status).toBe(400);
    expect(rpcStatus(pb.body).message).toMatch(
      /malformed ExportLogsServiceRequest protobuf: maximum nesting depth/,
    );
    const json = await post(deeplyNestedBodyJson(4_000), JSON_TYPE);
    expect(json.status).toBe(400);
    expect((jsonOf(json.body) as { message: string }).message).toMatch(
      /malformed ExportLogsServiceRequest JSON: nesting too deep/,
    );
    expect(received).toHaveLength(0);
    // Nesting within the decoders' bounds is decoded and passed on (the pipeline bounds it per record).
    expect((await post(deeplyNestedBodyProtobuf(20), PROTOBUF)).status).toBe(200);
    expect((await post(deeplyNestedBodyJson(20), JSON_TYPE)).status).toBe(200);
    expect(received.map((r) => logRecordsOf(r).length)).toEqual([1, 1]);
  });

  it('truncated or random protobuf → 400 with a google.rpc.Status body, or a request with no records', async () => {
    const bytes = logsRequestBytes(3, 5);
    const res = await post(bytes.subarray(0, bytes.length - 7), PROTOBUF);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    expect(rpcStatus(res.body)).toEqual({
      code: 3,
      message: expect.stringMatching(/^malformed ExportLogsServiceRequest protobuf/),
    });
    const badUtf8 = encodeLogsRequest({
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ eventName: 'gen_ai.choice' }] }] }],
    });
    const at = Buffer.from(badUtf8).indexOf('gen_ai.choice');
    const corrupted = Buffer.from(badUtf8);
    corrupted[at] = 0xff;
    const utf8 = await post(corrupted, PROTOBUF);
    expect(utf8.status).toBe(400);
    expect(rpcStatus(utf8.body).message).toMatch(/invalid UTF-8/);
    let seed = 99;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed & 0xff;
    };
    for (let i = 0; i < 30; i++) {
      const random = Buffer.from(Array.from({ length: 64 + i * 13 }, rand));
      expect([200, 400]).toContain((await post(random, PROTOBUF)).status);
    }
    // Whatever random bytes decoded to, only requests with records reached ingest.
    for (const r of received) expect(logRecordsOf(r).length).toBeGreaterThan(0);
  });

  it('invalid JSON, wrong JSON types and non-UTF-8 JSON → 400 with a JSON Status body', async () => {
    const cases = [
      '{"resourceLogs": [',
      '{"resourceLogs": {"not": "an array"}}',
      '{"resourceLogs": [{"scopeLogs": [{"logRecords": [{"eventName": 5}]}]}]}',
      '{"resourceLogs": [{"scopeLogs": [{"logRecords": [{"timeUnixNano": "12.5"}]}]}]}',
      '{"resourceLogs": [{"scopeLogs": [{"logRecords": [{"severityNumber": "INFO"}]}]}]}',
      '{"resourceLogs": [{"scopeLogs": [{"logRecords": [{"body": {"kvlistValue": {"values": [{"key": 1}]}}}]}]}]}',
      '{"resourceLogs": [{"scopeLogs": [{"logRecords": [{"traceId": 12}]}]}]}',
      '[1, 2, 3]',
    ];
    for (const body of cases) {
      const res = await post(body, JSON_TYPE);
      expect(res.status, body).toBe(400);
      expect(res.headers.get('content-type')).toBe('application/json');
      const status = jsonOf(res.body) as { code: number; message: string };
      expect(status.code).toBe(3);
      expect(status.message).toMatch(/malformed/);
    }
    const latin1 = Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]);
    expect((await post(latin1, JSON_TYPE)).status).toBe(400);
    expect(received).toHaveLength(0);
  });

  it('ingest throwing UnavailableError → 503 with Retry-After and a RetryInfo detail in either encoding', async () => {
    ingestImpl = async () => {
      throw new UnavailableError('lineage store unavailable: disk full', { retryAfterSeconds: 7 });
    };
    const pb = await post(logsRequestBytes(), PROTOBUF);
    expect(pb.status).toBe(503);
    expect(pb.headers.get('retry-after')).toBe('7');
    const types = otlpProtoTypes();
    const status = types.rpcStatus.toObject(types.rpcStatus.decode(pb.body)) as {
      code: number;
      message: string;
      details: { typeUrl: string; value: Uint8Array }[];
    };
    expect(status.code).toBe(14);
    expect(status.message).toBe('lineage store unavailable: disk full');
    expect(status.details[0]!.typeUrl).toBe('type.googleapis.com/google.rpc.RetryInfo');
    expect(
      types.retryInfo.toObject(types.retryInfo.decode(status.details[0]!.value), { longs: Number }),
    ).toEqual({
      retryDelay: { seconds: 7 },
    });
    const json = await post(logsRequestJson(), JSON_TYPE);
    expect(json.status).toBe(503);
    expect(json.headers.get('retry-after')).toBe('7');
    expect(jsonOf(json.body)).toEqual({
      code: 14,
      message: 'lineage store unavailable: disk full',
      details: [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '7s' }],
    });
    ingestImpl = async () => {
      throw new UnavailableError('overloaded');
    };
    const defaultHint = await post(logsRequestBytes(), PROTOBUF);
    expect(defaultHint.status).toBe(503);
    expect(defaultHint.headers.get('retry-after')).toBe('2');
  });

  it('ingest failing unexpectedly → 500 without leaking its message, and logged', async () => {
    logger.lines.length = 0;
    ingestImpl = async () => {
      throw new Error('secret mapping bug');
    };
    const res = await post(logsRequestBytes(), PROTOBUF);
    expect(res.status).toBe(500);
    expect(rpcStatus(res.body).message).not.toContain('secret mapping bug');
    expect(logger.lines.some((l) => l.startsWith('error') && l.includes('secret mapping bug'))).toBe(true);
  });

  it('logs and traces share the in-flight bound: 503 for either once it is reached, then both serve again', async () => {
    const release: (() => void)[] = [];
    ingestImpl = () => new Promise((resolve) => release.push(() => resolve({ rejectedLogRecords: 0 })));
    holdTraces = true;
    traceRelease = [];
    tracesReceived = 0;
    const type = otlpProtoTypes().exportTraceServiceRequest;
    const traceBytes = type
      .encode(type.fromObject({ resourceSpans: [{ scopeSpans: [{ spans: [{ name: 's' }] }] }] }))
      .finish();
    const pending = [
      post(logsRequestBytes(), PROTOBUF),
      post(logsRequestBytes(), PROTOBUF),
      post(logsRequestJson(), JSON_TYPE),
      post(traceBytes, PROTOBUF, { path: '/v1/traces' }),
    ];
    await expect.poll(() => release.length + traceRelease.length).toBe(4);
    const refusedLogs = await post(logsRequestBytes(), PROTOBUF);
    expect(refusedLogs.status).toBe(503);
    expect(refusedLogs.headers.get('retry-after')).toBe('2');
    expect(rpcStatus(refusedLogs.body).message).toMatch(/overloaded/);
    expect((await post(traceBytes, PROTOBUF, { path: '/v1/traces' })).status).toBe(503);
    for (const r of [...release, ...traceRelease]) r();
    for (const res of await Promise.all(pending)) expect(res.status).toBe(200);
    expect(received).toHaveLength(3);
    expect(tracesReceived).toBe(1);
  });
});
