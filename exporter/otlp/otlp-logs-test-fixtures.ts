import { context, type SpanContext, trace } from '@opentelemetry/api';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  type ReadableLogRecord,
  SimpleLogRecordProcessor,
} from '@opentelemetry/sdk-logs';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import protobuf from 'protobufjs';
import type { OtlpExportLogsServiceRequest, OtlpLogRecord } from './otlp-logs-types.js';
import { otlpProtoTypes } from './otlp-schema.js';

/**
 * Test helpers for the logs path: log records emitted through a real SDK LoggerProvider the
 * way the official OpenAI instrumentation emits its GenAI content events, a hand-built
 * request of any size, and a reader for the decoded request shape.
 */

/** The body of the `gen_ai.choice` record that `makeGenAiLogRecords` emits. */
export const CHOICE_BODY = {
  index: 0,
  finish_reason: 'stop',
  message: { role: 'assistant', content: 'Paris is the capital of France.' },
};

/** The body of the `gen_ai.user.message` record that `makeGenAiLogRecords` emits. */
export const USER_MESSAGE_BODY = { content: 'What is the capital of France?' };

/** Log records emitted under one model-invocation span, and that span's context. */
export interface GenAiLogRecords {
  readonly records: ReadableLogRecord[];
  readonly span: SpanContext;
}

/**
 * Emits, under one span: a `gen_ai.user.message` (event name in the LogRecord field), a
 * `gen_ai.choice` (event name only in the `event.name` attribute, as older instrumentations
 * do) and one ordinary log line, through a real LoggerProvider; returns what the SDK exported.
 */
export async function makeGenAiLogRecords(): Promise<GenAiLogRecords> {
  const memory = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({
    processors: [new SimpleLogRecordProcessor({ exporter: memory })],
  });
  const tracerProvider = new BasicTracerProvider();
  const span = tracerProvider.getTracer('agent-lineage-test').startSpan('chat gpt-4o');
  const spanContext = trace.setSpan(context.active(), span);
  const logger = loggerProvider.getLogger('agent-lineage-logs-test', '4.5.6');
  logger.emit({
    eventName: 'gen_ai.user.message',
    severityNumber: 9,
    attributes: { 'gen_ai.system': 'openai' },
    body: USER_MESSAGE_BODY,
    context: spanContext,
  });
  logger.emit({
    attributes: { 'event.name': 'gen_ai.choice', 'gen_ai.system': 'openai' },
    body: CHOICE_BODY,
    context: spanContext,
  });
  logger.emit({ severityText: 'INFO', body: 'an ordinary log line', context: spanContext });
  span.end();
  await loggerProvider.forceFlush();
  const records = [...memory.getFinishedLogRecords()];
  await loggerProvider.shutdown();
  await tracerProvider.shutdown();
  return { records, span: span.spanContext() };
}

/** All log records of a decoded request, flattened. */
export function logRecordsOf(request: OtlpExportLogsServiceRequest): OtlpLogRecord[] {
  return (request.resourceLogs ?? []).flatMap((rl) =>
    (rl.scopeLogs ?? []).flatMap((sl) => [...(sl.logRecords ?? [])]),
  );
}

/** A protobuf `ExportLogsServiceRequest` of `count` records with `attributesPerRecord` int attributes each. */
export function logsRequestBytes(count = 1, attributesPerRecord = 1): Uint8Array {
  return encodeLogsRequest(logsRequestObject(count, attributesPerRecord));
}

/** The same request as a plain object in the protobufjs `fromObject` shape (and close to OTLP/JSON). */
export function logsRequestObject(count = 1, attributesPerRecord = 1): Record<string, unknown> {
  const attributes = Array.from({ length: attributesPerRecord }, (_, i) => ({
    key: `k${i}`,
    value: { intValue: i },
  }));
  const logRecords = Array.from({ length: count }, (_, i) => ({
    traceId: Buffer.alloc(16, 1),
    spanId: Buffer.alloc(8, i + 1),
    timeUnixNano: 1_700_000_000_000_000_000n.toString(),
    eventName: 'gen_ai.user.message',
    body: { kvlistValue: { values: [{ key: 'content', value: { stringValue: `message ${i}` } }] } },
    attributes,
  }));
  return { resourceLogs: [{ scopeLogs: [{ logRecords }] }] };
}

/** Encodes a plain request object (see `logsRequestObject`) as protobuf. */
export function encodeLogsRequest(request: Record<string, unknown>): Uint8Array {
  const type = otlpProtoTypes().exportLogsServiceRequest;
  return type.encode(type.fromObject(request)).finish();
}

/** An OTLP/JSON request of `count` records (hex ids, string timestamps), as the HTTP JSON exporter sends it. */
export function logsRequestJson(count = 1, body: unknown = { stringValue: 'hello' }): string {
  const logRecords = Array.from({ length: count }, (_, i) => ({
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: (i + 1).toString(16).padStart(16, '0'),
    timeUnixNano: '1700000000000000000',
    eventName: 'gen_ai.user.message',
    body,
  }));
  return JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords }] }] });
}

function lengthDelimited(field: number, bytes: Uint8Array): Uint8Array {
  return protobuf.Writer.create()
    .uint32((field << 3) | 2)
    .bytes(bytes)
    .finish();
}

/**
 * A protobuf request of one record whose body is a kvlist nested `depth` levels deep, written
 * field by field (protobufjs refuses to encode past its own nesting limit).
 */
export function deeplyNestedBodyProtobuf(depth: number): Uint8Array {
  const key = new TextEncoder().encode('k');
  let value = lengthDelimited(1, new TextEncoder().encode('x'));
  for (let i = 0; i < depth; i++) {
    const keyValue = Buffer.concat([lengthDelimited(1, key), lengthDelimited(2, value)]);
    value = lengthDelimited(6, lengthDelimited(1, keyValue));
  }
  const record = lengthDelimited(5, value);
  return lengthDelimited(1, lengthDelimited(2, lengthDelimited(2, record)));
}

/** The same as OTLP/JSON text. */
export function deeplyNestedBodyJson(depth: number): string {
  const body = `${'{"kvlistValue":{"values":[{"key":"k","value":'.repeat(depth)}{"stringValue":"x"}${'}]}}'.repeat(depth)}`;
  return `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${body}}]}]}]}`;
}
