import canonicalize from 'canonicalize';
import type { EdgeType, LineageEdge, LineageNode, SpanRecord } from '../model/lineage-record.js';
import { finalOutputNodeId, modelInvocationNodeId } from './node-ids.js';
import { resolveHeldInvocations } from './resolve-held-invocations.js';
import { edgeId } from './resolve-link.js';

/** One run's records, as the store holds them (all batches so far, any order). */
export interface RunRecords {
  readonly spans: readonly SpanRecord[];
  readonly nodes: readonly LineageNode[];
  readonly edges: readonly LineageEdge[];
}

/** Records inference adds; every one has `inferred: true`. */
export interface InferredRecords {
  readonly nodes: LineageNode[];
  readonly edges: LineageEdge[];
}

/** Marks the FinalOutput this module infers, so a later pass does not mistake it for a recorded one. */
export const INFERRED_FINAL_OUTPUT_PROP = 'inferredFrom';

/** How far below an anchor span a retrieval/tool span may sit and still count as feeding its siblings. */
const MAX_FEEDER_DEPTH = 2;

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface RunIndex {
  readonly runId: string;
  readonly spans: Map<string, SpanRecord>;
  readonly nodesBySpan: Map<string, LineageNode[]>;
  readonly nodes: Map<string, LineageNode>;
}

function index(runId: string, spans: readonly SpanRecord[], nodes: readonly LineageNode[]): RunIndex {
  const spanMap = new Map<string, SpanRecord>();
  for (const s of spans) if (s.runId === runId) spanMap.set(s.spanId, s);
  const nodesBySpan = new Map<string, LineageNode[]>();
  const nodeMap = new Map<string, LineageNode>();
  for (const n of nodes) {
    if (n.runId !== runId) continue;
    nodeMap.set(n.id, n);
    const list = nodesBySpan.get(n.spanId) ?? [];
    list.push(n);
    nodesBySpan.set(n.spanId, list);
  }
  return { runId, spans: spanMap, nodesBySpan, nodes: nodeMap };
}

/** Is `span` at most `depth` levels below `anchor`? Stops at spans not received yet. */
function isBelow(ix: RunIndex, span: SpanRecord, anchor: string, depth: number): boolean {
  let current: SpanRecord | undefined = span;
  for (let i = 0; i < depth && current !== undefined; i++) {
    if (current.parentSpanId === undefined) return false;
    if (current.parentSpanId === anchor) return true;
    current = ix.spans.get(current.parentSpanId);
  }
  return false;
}

/**
 * Spans under which a model invocation's feeders live: its parent, and — when the parent
 * is a mere wrapper (a Traceloop task, an OpenInference chain) — the grandparent too, so
 * `workflow → task → vector query` feeds `workflow → task → chat`.
 */
/**
 * Tolerance for "ended before it started". The OTel JS SDK takes a span's start from
 * `Date.now()` (whole milliseconds) but its end as start + a sub-millisecond duration, so
 * a span that starts in the same millisecond another one ended can look as if it started
 * up to 1 ms before that end.
 */
const CLOCK_SLACK_MS = 1;

function anchorsOf(ix: RunIndex, m: SpanRecord): string[] {
  if (m.parentSpanId === undefined) return [];
  const parent = ix.spans.get(m.parentSpanId);
  const anchors = [m.parentSpanId];
  if (parent?.spanType === 'other' && parent.parentSpanId !== undefined) anchors.push(parent.parentSpanId);
  return anchors;
}

function isDescendantOf(ix: RunIndex, span: SpanRecord, ancestor: string): boolean {
  let current: SpanRecord | undefined = span;
  for (let guard = 0; current !== undefined && guard < 10_000; guard++) {
    if (current.parentSpanId === ancestor) return true;
    current = current.parentSpanId !== undefined ? ix.spans.get(current.parentSpanId) : undefined;
  }
  return false;
}

/** The edge a feeder node gets into a model invocation (direction as in DESIGN.md §2). */
function feedEdge(feeder: LineageNode, mi: string): { type: EdgeType; from: string; to: string } | undefined {
  if (feeder.kind === 'IntermediateArtifact') return { type: 'CONSUMED_BY', from: feeder.id, to: mi };
  if (feeder.kind !== 'DataSource') return undefined;
  return feeder.props.sourceKind === 'tool_output'
    ? { type: 'CONSUMED_BY', from: feeder.id, to: mi }
    : { type: 'RETRIEVED_FROM', from: mi, to: feeder.id };
}

/** Adds a node inference produced to the run's index, so the joins below see it like a stored one; false when stored already. */
function indexNode(ix: RunIndex, n: LineageNode): boolean {
  if (ix.nodes.has(n.id)) return false;
  ix.nodes.set(n.id, n);
  const list = ix.nodesBySpan.get(n.spanId) ?? [];
  list.push(n);
  ix.nodesBySpan.set(n.spanId, list);
  return true;
}

function inferRun(ix: RunIndex, out: Map<string, LineageEdge>, outNodes: LineageNode[]): void {
  const spans = [...ix.spans.values()].sort((a, b) => compare(a.spanId, b.spanId));
  // Framework-level invocations first: the joins below need to know which node stands for each call.
  const held = resolveHeldInvocations(spans, ix.nodes.values());
  for (const n of held.released.nodes) if (indexNode(ix, n)) outNodes.push(n);
  for (const e of held.released.edges) if (!out.has(e.id)) out.set(e.id, e);
  const add = (type: EdgeType, from: string, to: string, timeMs: number) => {
    const id = edgeId(type, from, to);
    if (!out.has(id)) out.set(id, { id, type, from, to, runId: ix.runId, inferred: true, timeMs });
  };
  const models = spans.filter((s) => s.spanType === 'model_invocation');
  // A tool whose call id some invocation names is joined by that id only, not by structure.
  const consumedIds = new Set(models.flatMap((m) => m.consumedToolCallIds ?? []));
  const feeders = spans.filter((s) => s.spanType === 'retrieval' || s.spanType === 'tool_call');
  // Content-bearing nodes by hash, so the content join is a lookup per consumed hash, not a scan.
  const bySha = new Map<string, LineageNode[]>();
  for (const n of ix.nodes.values()) {
    if ((n.kind !== 'DataSource' && n.kind !== 'IntermediateArtifact') || n.sha256 === undefined) continue;
    const list = bySha.get(n.sha256) ?? [];
    list.push(n);
    bySha.set(n.sha256, list);
  }

  for (const m of models) {
    // Our SDK records its consumption as links; guessing on top would add edges it chose not to record.
    if (m.dialect === 'lineage') continue;
    // A framework span covered by a provider-level span is the same call: what fed it fed that invocation.
    const mi = held.coveredBy.get(m.spanId) ?? modelInvocationNodeId(ix.runId, m.spanId);
    const node = ix.nodes.get(mi);
    if (node === undefined || node.props.dialect === 'lineage') continue;
    const feed = (node: LineageNode) => {
      const e = feedEdge(node, mi);
      if (e) add(e.type, e.from, e.to, m.startTimeMs);
    };
    // 1. Tool-call-id join: the invocation's request answered these tool calls.
    const wanted = new Set(m.consumedToolCallIds ?? []);
    for (const t of feeders) {
      if (t.toolCallId !== undefined && wanted.has(t.toolCallId))
        for (const n of ix.nodesBySpan.get(t.spanId) ?? []) feed(n);
    }
    // 2. Content-hash join: a source, tool result or earlier answer fed back verbatim, produced before this call.
    for (const hash of m.consumedContentSha256 ?? []) {
      for (const n of bySha.get(hash) ?? []) {
        if (n.spanId !== m.spanId && (n.endTimeMs ?? n.startTimeMs) <= m.startTimeMs + CLOCK_SLACK_MS)
          feed(n);
      }
    }
    // 3. Structure + time order: retrieval / unclaimed tool spans that finished before this call, next to it.
    const anchors = anchorsOf(ix, m);
    for (const r of feeders) {
      if (r.endTimeMs > m.startTimeMs + CLOCK_SLACK_MS || r.startTimeMs > m.startTimeMs) continue;
      if (r.spanType === 'tool_call' && r.toolCallId !== undefined && consumedIds.has(r.toolCallId)) continue;
      if (isDescendantOf(ix, r, m.spanId)) continue;
      if (!anchors.some((a) => isBelow(ix, r, a, MAX_FEEDER_DEPTH))) continue;
      for (const n of ix.nodesBySpan.get(r.spanId) ?? []) feed(n);
    }
  }

  inferFinalOutput(ix, spans, add, outNodes);
}

function inferFinalOutput(
  ix: RunIndex,
  spans: readonly SpanRecord[],
  add: (type: EdgeType, from: string, to: string, timeMs: number) => void,
  outNodes: LineageNode[],
): void {
  const root = spans.find((s) => s.isRoot);
  if (root === undefined || root.dialect === 'lineage') return;
  const recorded = [...ix.nodes.values()].some(
    (n) => n.kind === 'FinalOutput' && n.props[INFERRED_FINAL_OUTPUT_PROP] === undefined,
  );
  if (recorded) return;
  const invocations = [...ix.nodes.values()]
    .filter((n) => n.kind === 'ModelInvocation' && n.props.operation !== 'embeddings')
    .sort(
      (a, b) =>
        (b.endTimeMs ?? b.startTimeMs) - (a.endTimeMs ?? a.startTimeMs) ||
        b.startTimeMs - a.startTimeMs ||
        compare(a.id, b.id),
    );
  const last = invocations[0];
  const fromModel = typeof last?.props.outputSha256 === 'string' ? last.props.outputSha256 : undefined;
  const runNode = [...ix.nodes.values()].find((n) => n.kind === 'ExecutionRun');
  const fromRoot = typeof runNode?.props.outputSha256 === 'string' ? runNode.props.outputSha256 : undefined;
  const sha256 = fromModel ?? fromRoot;
  if (sha256 === undefined) return;
  const id = finalOutputNodeId(ix.runId, root.spanId);
  outNodes.push({
    id,
    kind: 'FinalOutput',
    runId: ix.runId,
    spanId: root.spanId,
    startTimeMs: root.startTimeMs,
    endTimeMs: root.endTimeMs,
    inferred: true,
    sha256,
    props: {
      [INFERRED_FINAL_OUTPUT_PROP]: fromModel !== undefined ? 'last_model_invocation' : 'root_output',
    },
  });
  if (last !== undefined) add('CONTRIBUTED_TO', last.id, id, last.endTimeMs ?? last.startTimeMs);
}

/** Key order may differ once a store has round-tripped a node; compare canonical JSON. */
function sameNode(a: LineageNode, b: LineageNode): boolean {
  return canonicalize(a) === canonicalize(b);
}

/**
 * Infers the lineage edges foreign spans do not record, over one run's records (pass the
 * whole run: the store calls this at finalisation and for queries). Pure, deterministic
 * and idempotent: the result depends only on the set of records (sorted by id), and
 * running it again over the input plus its own output adds nothing.
 *
 * First, held framework-level invocations (a LangChain chat span's, see
 * resolve-held-invocations.ts) are resolved: one covered by a provider-level span of the same
 * call is a wrapper whose joins below feed that span's invocation; one not covered is released,
 * its held ModelInvocation, artifact and PRODUCED_BY edge returned here as inferred records.
 * Then, for each non-lineage model invocation m (our own spans record links instead):
 * 1. tool-call-id join: tool spans whose `toolCallId` m's request answered feed m;
 * 2. content-hash join: DataSources and artifacts whose sha256 equals the hash of one of
 *    m's request messages, produced before m started, feed m;
 * 3. structure + time: retrieval spans, and tool spans no invocation claims by id, that
 *    ended before m started and sit at most two levels below m's parent (or below its
 *    grandparent when the parent is a wrapper span of type `other`) feed m.
 * Feeding means RETRIEVED_FROM m→source, or CONSUMED_BY source/artifact→m for tool
 * outputs and artifacts.
 * For a foreign run without a recorded FinalOutput: `out:{trace}:{rootSpan}` with the
 * output hash of the last-ending (non-embedding) model invocation, or of the root span's
 * own output, plus CONTRIBUTED_TO from that invocation. It is recomputed on every call
 * (marked `props.inferredFrom`), so a later-ending invocation updates it; the stale
 * CONTRIBUTED_TO edge of an earlier pass is not retracted (this API only adds).
 * Edges or nodes already present in the input (recorded or inferred before) are not returned.
 */
export function inferRunEdges(run: RunRecords): InferredRecords {
  const runIds = [...new Set(run.spans.map((s) => s.runId))].sort(compare);
  const edges = new Map<string, LineageEdge>();
  const nodes: LineageNode[] = [];
  for (const runId of runIds) inferRun(index(runId, run.spans, run.nodes), edges, nodes);
  const existingEdges = new Set(run.edges.map((e) => e.id));
  const existingNodes = new Map(run.nodes.map((n) => [n.id, n]));
  return {
    nodes: nodes
      .filter((n) => {
        const existing = existingNodes.get(n.id);
        return existing === undefined || !sameNode(existing, n);
      })
      .sort((a, b) => compare(a.id, b.id)),
    edges: [...edges.values()].filter((e) => !existingEdges.has(e.id)).sort((a, b) => compare(a.id, b.id)),
  };
}
