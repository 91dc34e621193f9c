/**
 * OTLP logs through the real `agent-lineage serve` (startServer): GenAI content log records
 * sent by the official log exporters fill the hashes of the model invocation they were
 * emitted under when its run is finalised; content that arrives after finalisation is
 * answered with partial success on every transport.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { ROOT_CONTEXT, type SpanContext, SpanKind, trace } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import {
  BatchLogRecordProcessor,
  InMemoryLogRecordExporter,
  LoggerProvider,
  type LogRecordExporter,
  type ReadableLogRecord,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeLogsResponse, type ExportLogsResult } from '../../exporter/otlp/encode-response.js';
import { OTLP_GRPC_LOGS_EXPORT_PATH } from '../../exporter/otlp/grpc-server.js';
import { addKeyToFile } from '../cli/create-key.js';
import { serveConfigSchema } from '../cli/serve-config.js';
import { type RunningServer, startServer } from './start-server.js';

interface GraphNode {
  readonly kind: string;
  readonly sha256?: string;
  readonly inferred?: boolean;
  readonly props: Record<string, unknown>;
}
interface RunGraph {
  readonly nodes: GraphNode[];
  readonly finalisation?: unknown;
}

let dir: string;
let server: RunningServer;
let tracerProvider: BasicTracerProvider;
let token: string;
const serverLog: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lineage-logs-e2e-'));
  const authFile = join(dir, 'keys.json');
  token = addKeyToFile(authFile, { id: 'eng', role: 'engineering' });
  server = await startServer(
    serveConfigSchema.parse({
      dataDir: join(dir, 'data'),
      authFile,
      host: '127.0.0.1',
      otlpGrpcPort: 0,
      otlpHttpPort: 0,
      apiPort: 0,
      // Nothing finalises on its own: the tests decide when with finaliseNow(0).
      settleSeconds: 3600,
    }),
    { log: (line) => serverLog.push(line) },
  );
  tracerProvider = new BasicTracerProvider({
    spanProcessors: [
      new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${server.otlpHttpUrl}/v1/traces` })),
    ],
  });
});

afterAll(async () => {
  await tracerProvider?.shutdown();
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** One agent run: an invoke_agent span with one GenAI chat span under it. Returns the chat span's context. */
async function emitRun(agent: string): Promise<SpanContext> {
  const tracer = tracerProvider.getTracer('logs-e2e-app');
  const root = tracer.startSpan(`invoke_agent ${agent}`, {
    attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': agent },
  });
  const chat = tracer.startSpan(
    'chat gpt-4o-mini',
    {
      kind: SpanKind.CLIENT,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.system': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
        'gen_ai.usage.input_tokens': 21,
        'gen_ai.usage.output_tokens': 9,
      },
    },
    trace.setSpan(ROOT_CONTEXT, root),
  );
  chat.end();
  root.end();
  await tracerProvider.forceFlush();
  return chat.spanContext();
}

/**
 * Emits the official OpenAI instrumentation's content events for one chat call under `span`
 * (the user message with the event name in its LogRecord field, the choice with it only in
 * the `event.name` attribute) plus one ordinary log line.
 */
function emitContent(loggerProvider: LoggerProvider, span: SpanContext, question: string, answer: string) {
  const logger = loggerProvider.getLogger('@opentelemetry/instrumentation-openai', '0.21.0');
  const context = trace.setSpanContext(ROOT_CONTEXT, span);
  logger.emit({
    eventName: 'gen_ai.user.message',
    attributes: { 'gen_ai.system': 'openai' },
    body: { content: question },
    context,
  });
  logger.emit({
    attributes: { 'event.name': 'gen_ai.choice', 'gen_ai.system': 'openai' },
    body: { index: 0, finish_reason: 'stop', message: { role: 'assistant', content: answer } },
    context,
  });
  logger.emit({ severityText: 'INFO', body: 'calling the model', context });
}

/** What a LoggerProvider emitted, without sending it (for raw posts whose response we read). */
function recordContent(emit: (provider: LoggerProvider) => void): ReadableLogRecord[] {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
  emit(provider);
  return [...memory.getFinishedLogRecords()];
}

async function runGraph(runId: string): Promise<RunGraph> {
  const res = await fetch(`${server.apiUrl}/lineage/runs/${runId}?format=graph`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as RunGraph;
}

async function postLogs(
  body: Uint8Array,
  contentType: string,
): Promise<{ status: number; body: Uint8Array }> {
  const res = await fetch(`${server.otlpHttpUrl}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  return { status: res.status, body: new Uint8Array(await res.arrayBuffer()) };
}

function grpcExport(bytes: Uint8Array): Promise<ExportLogsResult> {
  const client = new grpc.Client(server.otlpGrpcAddress, grpc.credentials.createInsecure());
  return new Promise<ExportLogsResult>((resolve, reject) => {
    client.makeUnaryRequest(
      OTLP_GRPC_LOGS_EXPORT_PATH,
      (b: Uint8Array) => Buffer.from(b),
      (b: Buffer) => b,
      bytes,
      (error, response) => (error ? reject(error) : resolve(decodeLogsResponse(response ?? Buffer.alloc(0)))),
    );
  }).finally(() => client.close());
}

type ExporterName = 'exporter-logs-otlp-proto' | 'exporter-logs-otlp-http' | 'exporter-logs-otlp-grpc';
function officialExporter(name: ExporterName): LogRecordExporter {
  if (name === 'exporter-logs-otlp-grpc')
    return new GrpcLogExporter({ url: `http://${server.otlpGrpcAddress}` });
  const url = `${server.otlpHttpUrl}/v1/logs`;
  return name === 'exporter-logs-otlp-http' ? new JsonLogExporter({ url }) : new ProtoLogExporter({ url });
}

/** Wraps an exporter to keep every export's result (the official ones report failures only there). */
function recordResults(inner: LogRecordExporter, results: ExportResult[]): LogRecordExporter {
  return {
    export: (logs, done) =>
      inner.export(logs, (result) => {
        results.push(result);
        done(result);
      }),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
    shutdown: () => inner.shutdown(),
  };
}

describe('GenAI content log records sent before the run is finalised', () => {
  it.each<[ExporterName, 'logs first' | 'spans first']>([
    ['exporter-logs-otlp-proto', 'logs first'],
    ['exporter-logs-otlp-http', 'spans first'],
    ['exporter-logs-otlp-grpc', 'spans first'],
  ])(
    'through %s (%s): the ModelInvocation gets its hashes and the run a FinalOutput',
    async (name, order) => {
      const results: ExportResult[] = [];
      const loggerProvider = new LoggerProvider({
        processors: [
          new BatchLogRecordProcessor({ exporter: recordResults(officialExporter(name), results) }),
        ],
      });
      const question = `Which port does OTLP/HTTP use? (${name})`;
      const answer = `4318, for ${name}.`;
      let chat: SpanContext;
      if (order === 'logs first') {
        // Log records are emitted while the span is open, so they may well arrive before it.
        const tracer = tracerProvider.getTracer('logs-e2e-app');
        const root = tracer.startSpan('invoke_agent early', {
          attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'early' },
        });
        const span = tracer.startSpan(
          'chat gpt-4o-mini',
          {
            kind: SpanKind.CLIENT,
            attributes: {
              'gen_ai.operation.name': 'chat',
              'gen_ai.system': 'openai',
              'gen_ai.request.model': 'gpt-4o-mini',
              'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
              'gen_ai.usage.input_tokens': 21,
              'gen_ai.usage.output_tokens': 9,
            },
          },
          trace.setSpan(ROOT_CONTEXT, root),
        );
        chat = span.spanContext();
        emitContent(loggerProvider, chat, question, answer);
        await loggerProvider.forceFlush();
        span.end();
        root.end();
        await tracerProvider.forceFlush();
      } else {
        chat = await emitRun(name);
        emitContent(loggerProvider, chat, question, answer);
        await loggerProvider.forceFlush();
      }
      await loggerProvider.shutdown();
      expect(results.map((r) => r.code)).toEqual([ExportResultCode.SUCCESS]);

      await server.finaliseNow(0);
      const graph = await runGraph(chat.traceId);
      expect(graph.finalisation).toBeDefined();
      const invocations = graph.nodes.filter((n) => n.kind === 'ModelInvocation');
      expect(invocations).toHaveLength(1);
      const mi = invocations[0]!;
      expect(mi.props.modelVersion).toBe('gpt-4o-mini-2024-07-18');
      expect(mi.props.outputSha256).toBe(sha256(answer));
      expect(mi.props.inputSha256).toMatch(/^[0-9a-f]{64}$/);
      const outputs = graph.nodes.filter((n) => n.kind === 'FinalOutput');
      expect(outputs).toHaveLength(1);
      expect(outputs[0]).toMatchObject({ sha256: sha256(answer), inferred: true });
      // Content capture is off: hashes only, no text in the graph.
      expect(JSON.stringify(graph)).not.toContain(answer);
    },
  );

  it('rejects content records it cannot use (no span, malformed body, too deep) alone, with reasons', async () => {
    const chat = await emitRun('partial');
    type Nested = { [key: string]: Nested | string };
    const deep = (depth: number): Nested => (depth === 0 ? { content: 'x' } : { nested: deep(depth - 1) });
    const records = recordContent((provider) => {
      emitContent(provider, chat, 'What is 2 + 2?', '4');
      const logger = provider.getLogger('@opentelemetry/instrumentation-openai');
      const context = trace.setSpanContext(ROOT_CONTEXT, chat);
      logger.emit({ eventName: 'gen_ai.user.message', body: { content: 'no span context' } });
      logger.emit({ eventName: 'gen_ai.choice', body: 'not an object', context });
      logger.emit({ eventName: 'gen_ai.user.message', body: deep(20), context });
    });
    const res = await postLogs(ProtobufLogsSerializer.serializeRequest(records)!, 'application/x-protobuf');
    expect(res.status).toBe(200);
    const result = decodeLogsResponse(res.body);
    expect(result.rejectedLogRecords).toBe(3);
    expect(result.errorMessage).toContain('content_event_without_span');
    expect(result.errorMessage).toContain('invalid_content_event');
    expect(result.errorMessage).toContain('attribute_limit');

    await server.finaliseNow(0);
    const graph = await runGraph(chat.traceId);
    const mi = graph.nodes.find((n) => n.kind === 'ModelInvocation')!;
    expect(mi.props.outputSha256).toBe(sha256('4'));
  });
});

describe('GenAI content log records sent after the run is finalised', () => {
  let chat: SpanContext;
  let records: ReadableLogRecord[];

  beforeAll(async () => {
    chat = await emitRun('late');
    await server.finaliseNow(0);
    expect((await runGraph(chat.traceId)).finalisation).toBeDefined();
    records = recordContent((provider) => emitContent(provider, chat, 'Too late?', 'Yes.'));
  });

  function expectLateRejection(result: ExportLogsResult) {
    // Two content records are refused; the ordinary log line is accepted.
    expect(result.rejectedLogRecords).toBe(2);
    expect(result.errorMessage).toContain('content_after_finalisation');
    expect(result.errorMessage).toContain(
      `run ${chat.traceId} was finalised before this content log record arrived`,
    );
    expect(result.errorMessage).toMatch(/raise the settle window \(serve --settle-seconds\)/);
    expect(result.errorMessage).toMatch(/^rejected 2 log record\(s\): 2 × content_after_finalisation/);
  }

  it('OTLP/HTTP protobuf → 200 with partial_success.rejected_log_records', async () => {
    const res = await postLogs(ProtobufLogsSerializer.serializeRequest(records)!, 'application/x-protobuf');
    expect(res.status).toBe(200);
    expectLateRejection(decodeLogsResponse(res.body));
  });

  it('OTLP/HTTP JSON → 200 with partialSuccess, rejectedLogRecords as a decimal string', async () => {
    const res = await postLogs(JsonLogsSerializer.serializeRequest(records)!, 'application/json');
    expect(res.status).toBe(200);
    const body = JSON.parse(Buffer.from(res.body).toString('utf8')) as {
      partialSuccess: { rejectedLogRecords: string; errorMessage: string };
    };
    expect(body.partialSuccess.rejectedLogRecords).toBe('2');
    expectLateRejection({
      rejectedLogRecords: Number(body.partialSuccess.rejectedLogRecords),
      errorMessage: body.partialSuccess.errorMessage,
    });
  });

  it('OTLP/gRPC → OK with partial_success.rejected_log_records', async () => {
    expectLateRejection(await grpcExport(ProtobufLogsSerializer.serializeRequest(records)!));
  });

  it('leaves the finalised run as it was', async () => {
    const graph = await runGraph(chat.traceId);
    const mi = graph.nodes.find((n) => n.kind === 'ModelInvocation')!;
    expect(mi.props.outputSha256).toBeUndefined();
    expect(graph.nodes.filter((n) => n.kind === 'FinalOutput')).toEqual([]);
  });
});
