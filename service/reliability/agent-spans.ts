import { createHash } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { IngestPipeline } from '../../exporter/pipeline/ingest-pipeline.js';
import { openSqliteGraphStore } from '../../exporter/stores/sqlite/sqlite-graph-store.js';
import {
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_LINEAGE_OUTPUT_SHA256,
  ATTR_LINEAGE_SPAN_TYPE,
} from '../../semconv/attributes.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Agent runs recorded by the real OTel SDK, ready to hand to an official exporter. */
export interface RecordedRuns {
  /** Run id (= trace id) → its spans, root first. */
  readonly runs: ReadonlyMap<string, readonly ReadableSpan[]>;
  /** All spans, runs interleaved as a busy agent fleet would emit them. */
  readonly spans: readonly ReadableSpan[];
}

/**
 * Records `runCount` runs of `spansPerRun` spans each through the OTel SDK: an
 * `invoke_agent` root, chat model invocations, and a final output span. Spans of
 * different runs are interleaved so export batches mix runs.
 */
export function recordAgentRuns(runCount: number, spansPerRun: number): RecordedRuns {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('agent-lineage-reliability', '0.1.0');
  const roots = Array.from({ length: runCount }, (_, r) =>
    tracer.startSpan(
      'invoke_agent reliability-agent',
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          [ATTR_GEN_AI_OPERATION_NAME]: 'invoke_agent',
          [ATTR_GEN_AI_AGENT_NAME]: 'reliability-agent',
          [ATTR_GEN_AI_AGENT_ID]: `agent-${r % 5}`,
          [ATTR_LINEAGE_SPAN_TYPE]: 'run',
        },
      },
      ROOT_CONTEXT,
    ),
  );
  // Child spans step through the runs round-robin: span s of every run, then span s+1, ...
  for (let s = 1; s < spansPerRun; s++) {
    roots.forEach((root, r) => {
      const parent = trace.setSpan(ROOT_CONTEXT, root);
      const last = s === spansPerRun - 1;
      const span = tracer.startSpan(
        last ? 'deliver answer' : 'chat gpt-4o-2024-08-06',
        {
          kind: last ? SpanKind.INTERNAL : SpanKind.CLIENT,
          attributes: last
            ? {
                [ATTR_LINEAGE_SPAN_TYPE]: 'output',
                [ATTR_LINEAGE_OUTPUT_SHA256]: sha256(`answer ${r}`),
              }
            : {
                [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
                [ATTR_GEN_AI_REQUEST_MODEL]: 'gpt-4o-2024-08-06',
                [ATTR_LINEAGE_SPAN_TYPE]: 'model_invocation',
                [ATTR_LINEAGE_OUTPUT_SHA256]: sha256(`run ${r} step ${s}`),
              },
        },
        parent,
      );
      span.end();
    });
  }
  for (const root of roots) root.end();
  const spans = memory.getFinishedSpans();
  const runs = new Map<string, ReadableSpan[]>();
  for (const span of spans) {
    const runId = span.spanContext().traceId;
    const list = runs.get(runId) ?? [];
    list.push(span);
    runs.set(runId, list);
  }
  return { runs, spans };
}

/** Node, edge and span counts one run should have in the store. */
export interface RunShape {
  readonly nodes: number;
  readonly edges: number;
  readonly spans: number;
}

/**
 * What the store should hold for one run: the same spans ingested once, in process, into an
 * in-memory store through the same pipeline. The server must end up with exactly this,
 * however often a batch was re-delivered.
 */
export async function referenceShape(spans: readonly ReadableSpan[]): Promise<RunShape> {
  const store = await openSqliteGraphStore({ path: ':memory:' });
  try {
    await new IngestPipeline({ store }).ingestReadableSpans(spans);
    const runId = spans[0]!.spanContext().traceId;
    const graph = await store.getRun(runId);
    if (graph === undefined) throw new Error('reference ingest stored nothing');
    return { nodes: graph.nodes.length, edges: graph.edges.length, spans: graph.spans.length };
  } finally {
    await store.close();
  }
}
