import { createHash } from 'node:crypto';
import { edgeId } from '../../mapping/resolve-link.js';
import type {
  LineageEdge,
  LineageNode,
  LinkIntent,
  MappedBatch,
  SpanRecord,
  SpanRef,
} from '../../model/lineage-record.js';

/**
 * Builders of MappedBatch records shaped like the mapping's output, for store tests and
 * benchmarks (no spans, no mapping involved). Ids follow the lineage-record.ts formats.
 */

/** Lowercase hex SHA-256 of a UTF-8 string. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A deterministic 32-hex trace id for a number (or a string seed). */
export function traceIdOf(seed: number | string): string {
  return sha256Hex(`trace:${seed}`).slice(0, 32);
}

/** A deterministic 16-hex span id for (trace, index). */
export function spanIdOf(traceId: string, index: number): string {
  return sha256Hex(`span:${traceId}:${index}`).slice(0, 16);
}

/** What one agent run should look like. */
export interface AgentRunSpec {
  readonly traceId: string;
  readonly startMs: number;
  readonly agentName?: string;
  /** Model names recorded on every invocation. */
  readonly model?: { readonly request: string; readonly response?: string; readonly version?: string };
  /** Model invocations, each preceded by one retrieval (default 6 → 15 spans per run). */
  readonly steps?: number;
  /** DataSources per retrieval (default 5). */
  readonly sourcesPerRetrieval?: number;
  /** lineage.datasource.id of source n of step k (default: unique per run). */
  readonly sourceId?: (step: number, n: number) => string;
  /** The run was spawned from this span of a parent run (a `spawned_by` link). */
  readonly spawnedBy?: SpanRef;
  /** Content of the final output (its sha256 is derived from it). */
  readonly outputContent?: string;
  /** Emit no FinalOutput. */
  readonly noOutput?: boolean;
}

/** A built run: its batch plus the handles tests and benches need. */
export interface BuiltRun {
  readonly batch: MappedBatch;
  readonly runId: string;
  readonly outputSha256?: string;
  readonly outputId?: string;
  /** The tool span a sub-agent can be spawned from (its DataSource is a tool_output). */
  readonly toolSpan: SpanRef;
  /** Every lineage.datasource.id the run retrieved (excluding the tool output). */
  readonly sourceIds: readonly string[];
  /** The tool output's datasource id. */
  readonly toolSourceId: string;
}

/**
 * Builds one agent run: root span; per step a retrieval span (N DataSources) and a model
 * span (ModelInvocation + model_output artifact) that consumes that retrieval (link) and the
 * previous step's artifact (link with entity hash); one tool span whose tool_output the
 * last model call consumes; one output span with a FinalOutput that the last model call
 * contributed to (link). Edges inside a span are direct; between spans they are links.
 */
export function buildAgentRun(spec: AgentRunSpec): BuiltRun {
  const trace = spec.traceId;
  const steps = spec.steps ?? 6;
  const perRetrieval = spec.sourcesPerRetrieval ?? 5;
  const t0 = spec.startMs;
  let spanIndex = 0;
  const nextSpan = () => spanIdOf(trace, spanIndex++);
  const spans: SpanRecord[] = [];
  const nodes: LineageNode[] = [];
  const edges: LineageEdge[] = [];
  const links: LinkIntent[] = [];
  const sourceIds: string[] = [];

  const rootSpan = nextSpan();
  const total = steps * 2 + 3;
  const endMs = t0 + total * 10;
  spans.push(
    span(trace, rootSpan, undefined, 'run', `invoke_agent ${spec.agentName ?? 'agent'}`, t0, endMs, true),
  );
  const runNodeId = `run:${trace}`;
  nodes.push({
    id: runNodeId,
    kind: 'ExecutionRun',
    runId: trace,
    spanId: rootSpan,
    startTimeMs: t0,
    endTimeMs: endMs,
    inferred: false,
    props: { agentName: spec.agentName ?? 'agent', parentRunId: spec.spawnedBy?.traceId ?? null },
  });
  if (spec.spawnedBy) {
    links.push(link('spawned_by', runNodeId, trace, spec.spawnedBy, t0));
  }

  const toolSpan = nextSpan();
  const toolSourceId = `tool:${trace}`;
  const toolSha = sha256Hex(`tool-output:${trace}`);
  spans.push(span(trace, toolSpan, rootSpan, 'tool_call', 'execute_tool search', t0 + 1, t0 + 5, false));
  nodes.push({
    id: `ds:${trace}:${toolSpan}:0`,
    kind: 'DataSource',
    runId: trace,
    spanId: toolSpan,
    startTimeMs: t0 + 1,
    endTimeMs: t0 + 5,
    inferred: false,
    sha256: toolSha,
    props: { sourceId: toolSourceId, sourceKind: 'tool_output', toolName: 'search' },
  });

  let prevModel: { spanId: string; artifactSha: string } | undefined;
  let t = t0 + 10;
  for (let k = 0; k < steps; k++) {
    const rSpan = nextSpan();
    spans.push(span(trace, rSpan, rootSpan, 'retrieval', 'retrieval', t, t + 3, false));
    for (let n = 0; n < perRetrieval; n++) {
      const sourceId = spec.sourceId ? spec.sourceId(k, n) : `doc:${trace}:${k}:${n}`;
      sourceIds.push(sourceId);
      nodes.push({
        id: `ds:${trace}:${rSpan}:${n}`,
        kind: 'DataSource',
        runId: trace,
        spanId: rSpan,
        startTimeMs: t,
        endTimeMs: t + 3,
        inferred: false,
        sha256: sha256Hex(`chunk:${sourceId}`),
        props: {
          sourceId,
          sourceKind: 'rag_chunk',
          uri: `https://kb.example/${n}`,
          score: 0.9 - n * 0.1,
          indexVersion: 'v7',
        },
      });
    }
    const mSpan = nextSpan();
    const mStart = t + 4;
    spans.push(span(trace, mSpan, rootSpan, 'model_invocation', 'chat', mStart, mStart + 5, false));
    const miId = `mi:${trace}:${mSpan}`;
    const artSha = sha256Hex(`art:${trace}:${k}`);
    nodes.push({
      id: miId,
      kind: 'ModelInvocation',
      runId: trace,
      spanId: mSpan,
      startTimeMs: mStart,
      endTimeMs: mStart + 5,
      inferred: false,
      props: {
        provider: 'openai',
        operation: 'chat',
        requestModel: spec.model?.request ?? 'gpt-4o',
        responseModel: spec.model?.response ?? spec.model?.request ?? 'gpt-4o-2024-08-06',
        modelVersion: spec.model?.version ?? spec.model?.response ?? 'gpt-4o-2024-08-06',
        outputSha256: artSha,
        inputTokens: 1200,
        outputTokens: 300,
      },
    });
    const artId = `art:${trace}:${mSpan}`;
    nodes.push({
      id: artId,
      kind: 'IntermediateArtifact',
      runId: trace,
      spanId: mSpan,
      startTimeMs: mStart + 5,
      inferred: false,
      sha256: artSha,
      props: { artifactKind: 'model_output' },
    });
    edges.push(directEdge('PRODUCED_BY', artId, miId, trace, mStart + 5));
    links.push(link('consumed', miId, trace, { traceId: trace, spanId: rSpan }, mStart));
    if (prevModel) {
      links.push(
        link(
          'consumed',
          miId,
          trace,
          { traceId: trace, spanId: prevModel.spanId },
          mStart,
          prevModel.artifactSha,
        ),
      );
    }
    if (k === steps - 1)
      links.push(link('consumed', miId, trace, { traceId: trace, spanId: toolSpan }, mStart));
    prevModel = { spanId: mSpan, artifactSha: artSha };
    t += 10;
  }

  let outputSha256: string | undefined;
  let outputId: string | undefined;
  if (!spec.noOutput) {
    const oSpan = nextSpan();
    outputSha256 = sha256Hex(spec.outputContent ?? `output:${trace}`);
    outputId = `out:${trace}:${oSpan}`;
    spans.push(span(trace, oSpan, rootSpan, 'output', 'deliver', t, t + 1, false));
    nodes.push({
      id: outputId,
      kind: 'FinalOutput',
      runId: trace,
      spanId: oSpan,
      startTimeMs: t,
      endTimeMs: t + 1,
      inferred: false,
      sha256: outputSha256,
      props: { channel: 'chat', recipient: 'p:7f3a' },
    });
    if (prevModel)
      links.push(link('contributed_to', outputId, trace, { traceId: trace, spanId: prevModel.spanId }, t));
  }

  return {
    batch: { spans, nodes, edges, links, rejected: [] },
    runId: trace,
    ...(outputSha256 !== undefined ? { outputSha256 } : {}),
    ...(outputId !== undefined ? { outputId } : {}),
    toolSpan: { traceId: trace, spanId: toolSpan },
    sourceIds,
    toolSourceId,
  };
}

function span(
  runId: string,
  spanId: string,
  parentSpanId: string | undefined,
  spanType: SpanRecord['spanType'],
  name: string,
  startTimeMs: number,
  endTimeMs: number,
  isRoot: boolean,
): SpanRecord {
  return {
    runId,
    spanId,
    ...(parentSpanId !== undefined ? { parentSpanId } : {}),
    spanType,
    dialect: 'lineage',
    name,
    startTimeMs,
    endTimeMs,
    isRoot,
  };
}

/** A recorded (not inferred) edge with its deterministic id. */
export function directEdge(
  type: LineageEdge['type'],
  from: string,
  to: string,
  runId: string,
  timeMs: number,
): LineageEdge {
  return { id: edgeId(type, from, to), type, from, to, runId, inferred: false, timeMs };
}

/** A link intent with its deterministic id. */
export function link(
  linkType: LinkIntent['linkType'],
  fromNode: string,
  runId: string,
  target: SpanRef,
  timeMs: number,
  entitySha256?: string,
): LinkIntent {
  return {
    id: `${linkType}:${fromNode}>${target.traceId}:${target.spanId}:${entitySha256 ?? ''}`,
    linkType,
    fromNode,
    runId,
    target,
    ...(entitySha256 !== undefined ? { entitySha256 } : {}),
    inferred: false,
    timeMs,
  };
}

/** Concatenates batches. */
export function mergeBatches(batches: readonly MappedBatch[]): MappedBatch {
  return {
    spans: batches.flatMap((b) => b.spans),
    nodes: batches.flatMap((b) => b.nodes),
    edges: batches.flatMap((b) => b.edges),
    links: batches.flatMap((b) => b.links),
    rejected: batches.flatMap((b) => b.rejected),
  };
}

/** A small deterministic PRNG (mulberry32), so shuffles are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Splits a batch span by span (each span's records stay together, as the mapping emits
 * them) into `parts` batches, in a shuffled order.
 */
export function splitBySpanShuffled(batch: MappedBatch, parts: number, seed: number): MappedBatch[] {
  const rnd = seededRandom(seed);
  const keyOf = (runId: string, spanId: string) => `${runId}/${spanId}`;
  const groups = new Map<
    string,
    { spans: SpanRecord[]; nodes: LineageNode[]; edges: LineageEdge[]; links: LinkIntent[] }
  >();
  const group = (key: string) => {
    let g = groups.get(key);
    if (!g) {
      g = { spans: [], nodes: [], edges: [], links: [] };
      groups.set(key, g);
    }
    return g;
  };
  const spanOfNode = new Map<string, string>();
  for (const s of batch.spans) group(keyOf(s.runId, s.spanId)).spans.push(s);
  for (const n of batch.nodes) {
    const key = keyOf(n.runId, n.spanId);
    spanOfNode.set(n.id, key);
    group(key).nodes.push(n);
  }
  for (const e of batch.edges) group(spanOfNode.get(e.from) ?? e.runId).edges.push(e);
  for (const l of batch.links) group(spanOfNode.get(l.fromNode) ?? l.runId).links.push(l);
  const list = [...groups.values()];
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [list[i], list[j]] = [list[j]!, list[i]!];
  }
  const out = Array.from({ length: parts }, () => ({
    spans: [] as SpanRecord[],
    nodes: [] as LineageNode[],
    edges: [] as LineageEdge[],
    links: [] as LinkIntent[],
    rejected: [],
  }));
  list.forEach((g, i) => {
    const b = out[i % parts]!;
    b.spans.push(...g.spans);
    b.nodes.push(...g.nodes);
    b.edges.push(...g.edges);
    b.links.push(...g.links);
  });
  return out;
}
