import { context, type Link, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type {
  OtlpAnyValue,
  OtlpExportTraceServiceRequest,
  OtlpId,
  OtlpSpan,
} from '../span-view/otlp-types.js';
import type { ReceiverLogger } from './otlp-receiver.js';

/**
 * Test helpers: real SDK spans shaped like an agent run (run → model call with a consumed link,
 * retrieval with datasource events), and readers for the decoded request shape.
 */

/** Ends a few agent-like spans through a real SDK provider and returns them as ReadableSpans. */
export async function makeAgentSpans(): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('agent-lineage-test', '1.2.3');
  const run = tracer.startSpan('invoke_agent planner', {
    kind: SpanKind.INTERNAL,
    attributes: {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'planner',
      'lineage.span.type': 'run',
      'lineage.run.attempt': 2,
      'lineage.sampled': true,
      'lineage.score': 0.25,
      'lineage.tags': ['a', 'b'],
    },
  });
  const runContext = trace.setSpan(context.active(), run);
  const retrieval = tracer.startSpan(
    'retrieval docs',
    {
      kind: SpanKind.CLIENT,
      attributes: { 'lineage.span.type': 'retrieval', 'lineage.index.version': 'v7' },
    },
    runContext,
  );
  retrieval.addEvent('lineage.datasource', {
    'lineage.datasource.id': 'doc-1#3',
    'lineage.content.sha256': 'ab'.repeat(32),
    'lineage.retrieval.score': 0.91,
  });
  retrieval.end();
  const link: Link = {
    context: retrieval.spanContext(),
    attributes: { 'lineage.link.type': 'consumed' },
  };
  const chat = tracer.startSpan(
    'chat gpt-4o-2024-08-06',
    {
      kind: SpanKind.CLIENT,
      links: [link],
      attributes: { 'lineage.span.type': 'model_invocation', 'gen_ai.usage.input_tokens': 1234 },
    },
    runContext,
  );
  chat.setStatus({ code: SpanStatusCode.ERROR, message: 'rate limited once' });
  chat.end();
  run.end();
  await provider.forceFlush();
  const spans = memory.getFinishedSpans();
  await provider.shutdown();
  return [...spans];
}

/** Lowercase hex of an id as either decoder delivers it. */
export function idHex(id: OtlpId | undefined): string {
  if (id === undefined) return '';
  return typeof id === 'string' ? id.toLowerCase() : Buffer.from(id).toString('hex');
}

/** All spans of a decoded request, flattened. */
export function spansOf(request: OtlpExportTraceServiceRequest): OtlpSpan[] {
  return (request.resourceSpans ?? []).flatMap((rs) =>
    (rs.scopeSpans ?? []).flatMap((ss) => [...(ss.spans ?? [])]),
  );
}

/** Plain JS value of an AnyValue (int64 → number), for whole-map assertions. */
export function plainValue(value: OtlpAnyValue | undefined): unknown {
  if (value === undefined) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.intValue !== undefined) {
    const v = value.intValue;
    if (typeof v === 'object') return v.high * 2 ** 32 + (v.low >>> 0);
    return Number(v);
  }
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(plainValue);
  if (value.kvlistValue !== undefined) {
    return Object.fromEntries((value.kvlistValue.values ?? []).map((kv) => [kv.key, plainValue(kv.value)]));
  }
  if (value.bytesValue !== undefined) return Buffer.from(value.bytesValue as Uint8Array);
  return undefined;
}

/** Attribute map of a decoded key-value list. */
export function attributeMap(attributes: OtlpSpan['attributes']): Record<string, unknown> {
  return Object.fromEntries((attributes ?? []).map((kv) => [kv.key, plainValue(kv.value)]));
}

/** int64 as a bigint, from any decoder representation. */
export function int64(value: OtlpSpan['startTimeUnixNano']): bigint {
  if (value === undefined) return 0n;
  if (typeof value === 'object') return (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
  return BigInt(value);
}

/** A logger that records instead of printing, so tests can assert on refusals. */
export function recordingLogger(): ReceiverLogger & { readonly lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    warn: (message, fields) => lines.push(`warn ${message} ${JSON.stringify(fields ?? {})}`),
    error: (message, fields) => lines.push(`error ${message} ${String(fields?.error ?? '')}`),
  };
}
