/**
 * Lineage records: the nodes and edges of DESIGN.md section 2, produced by the pure
 * mapping from SpanView and written by a GraphStore. Node and edge ids are derived from
 * (trace id, span id, position), so re-delivering a span yields the same records.
 */

/** The lineage node kinds. `Upstream` is the PROV agent/activity a run was triggered by. */
export type NodeKind =
  | 'ExecutionRun'
  | 'ModelInvocation'
  | 'DataSource'
  | 'IntermediateArtifact'
  | 'FinalOutput'
  | 'Upstream';

/** The lineage edge types (directed; `from → to` as named in DESIGN.md section 2). */
export type EdgeType =
  | 'RETRIEVED_FROM' // ModelInvocation → DataSource
  | 'PRODUCED_BY' // IntermediateArtifact → ModelInvocation
  | 'CONSUMED_BY' // DataSource | IntermediateArtifact | FinalOutput → ModelInvocation
  | 'CONTRIBUTED_TO' // ModelInvocation | DataSource → FinalOutput
  | 'TRIGGERED_BY' // ExecutionRun → Upstream
  | 'SUPERSEDED_BY' // FinalOutput (old) → FinalOutput (new)
  | 'SPAWNED_BY'; // ExecutionRun (child) → node of the parent span that spawned it

/** Which convention a span was understood through. */
export type SpanDialect = 'lineage' | 'gen_ai' | 'openinference' | 'openllmetry' | 'unknown';

/** A plain property value stored on a node. */
export type PropValue = string | number | boolean | null | readonly string[];

/** Fields every node has. */
export interface NodeBase {
  /** Deterministic id: `run:{trace}`, `mi:{trace}:{span}`, `art:{trace}:{span}`, `ds:{trace}:{span}:{n}`, `out:{trace}:{span}`, `up:{trace}:{span}`. */
  readonly id: string;
  readonly kind: NodeKind;
  /** Run id = trace id of the span that produced the node. */
  readonly runId: string;
  /** Span that produced the node. */
  readonly spanId: string;
  /** Epoch ms. */
  readonly startTimeMs: number;
  readonly endTimeMs?: number;
  /** True when the node was inferred from foreign spans rather than recorded by our SDK. */
  readonly inferred: boolean;
  /** SHA-256 of the entity's content (chunk, artifact, output). Entities always carry it. */
  readonly sha256?: string;
  /** Kind-specific properties (see the *Props interfaces); captured content only under `content`. */
  readonly props: Readonly<Record<string, PropValue>>;
}

/** ExecutionRun props: agentName, agentId, agentVersion, environment, trigger, actor, parentRunId, statusCode, dialect. */
export interface ExecutionRunNode extends NodeBase {
  readonly kind: 'ExecutionRun';
}
/** ModelInvocation props: provider, operation, requestModel, responseModel, modelVersion, pinned, systemPromptSha256, inputSha256, toolsSha256, outputSha256, inputTokens, outputTokens, timeToFirstTokenMs, firstTokenTimeMs, temperature, topP, maxTokens, seed, dialect. */
export interface ModelInvocationNode extends NodeBase {
  readonly kind: 'ModelInvocation';
}
/** DataSource props: sourceId, sourceKind, uri, size, ingestedAt, score, indexVersion, querySha256, requestSha256, toolName, toolVersion, toolDefinitionSha256, toolCallId, content (captured only). */
export interface DataSourceNode extends NodeBase {
  readonly kind: 'DataSource';
  readonly sha256: string;
}
/** IntermediateArtifact props: artifactKind (model_output | tool_result | reasoning | subagent_output). */
export interface IntermediateArtifactNode extends NodeBase {
  readonly kind: 'IntermediateArtifact';
  readonly sha256: string;
}
/** FinalOutput props: channel, recipient (pseudonym), content (captured only). */
export interface FinalOutputNode extends NodeBase {
  readonly kind: 'FinalOutput';
  readonly sha256: string;
}
/** Upstream props: traceId, spanId of the span that triggered a run. */
export interface UpstreamNode extends NodeBase {
  readonly kind: 'Upstream';
}

/** Any lineage node. */
export type LineageNode =
  | ExecutionRunNode
  | ModelInvocationNode
  | DataSourceNode
  | IntermediateArtifactNode
  | FinalOutputNode
  | UpstreamNode;

/** A resolved lineage edge between two node ids. */
export interface LineageEdge {
  /** Deterministic: `{type}:{from}>{to}`. */
  readonly id: string;
  readonly type: EdgeType;
  readonly from: string;
  readonly to: string;
  /** Run that recorded the edge (the run of the span that carried the link). */
  readonly runId: string;
  /** True when inferred (content / tool-call-id match, parent-child structure, time order). */
  readonly inferred: boolean;
  /** Epoch ms the edge took effect (the later of the two spans' start), when known. */
  readonly timeMs?: number;
}

/** A reference to a span (possibly in another trace, possibly not yet received). */
export interface SpanRef {
  readonly traceId: string;
  readonly spanId: string;
}

/**
 * A span link that still has to be resolved against the nodes of its target span.
 * Kept by the store until the target span arrives ("dangling" until then).
 */
export interface LinkIntent {
  /** Deterministic: `{linkType}:{fromNode}>{trace}:{span}:{entitySha256 ?? ''}`. */
  readonly id: string;
  readonly linkType: 'consumed' | 'contributed_to' | 'spawned_by' | 'triggered_by' | 'supersedes';
  /** Node on the span that carried the link. */
  readonly fromNode: string;
  readonly runId: string;
  readonly target: SpanRef;
  /** Narrows the target to the node whose sha256 is this. */
  readonly entitySha256?: string;
  readonly inferred: boolean;
  readonly timeMs: number;
}

/** What the store keeps about every accepted span (finalisation and inference need it). */
export interface SpanRecord {
  readonly runId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  /** lineage.span.type, or what the mapping inferred; `other` for spans with no lineage meaning. */
  readonly spanType: 'run' | 'model_invocation' | 'retrieval' | 'tool_call' | 'output' | 'other';
  readonly dialect: SpanDialect;
  readonly name: string;
  readonly startTimeMs: number;
  readonly endTimeMs: number;
  /** True for the root span of the trace (the run span). */
  readonly isRoot: boolean;
  /** gen_ai.tool.call.id of a tool span, for tool-call-id joins. */
  readonly toolCallId?: string;
  /** Tool-call ids and content hashes a model invocation's request carried (for inference). */
  readonly consumedToolCallIds?: readonly string[];
  readonly consumedContentSha256?: readonly string[];
  /**
   * A framework-level model span (e.g. LangChain's view of a chat call): the ModelInvocation
   * records it would yield, held back until inference over the whole run knows whether a
   * provider-level span recorded the same call (see exporter/mapping/README.md).
   */
  readonly heldInvocation?: HeldInvocation;
}

/** The ModelInvocation, its output artifact and their PRODUCED_BY edge, as one held span would yield them. */
export interface HeldInvocation {
  readonly nodes: readonly LineageNode[];
  readonly edges: readonly LineageEdge[];
}

/** Why one span was rejected. */
export interface RejectedSpan {
  readonly traceId?: string;
  readonly spanId?: string;
  /** Short stable reason code, counted in metrics, e.g. `invalid_trace_id`. */
  readonly reason: string;
  readonly message: string;
}

/** The pure mapping's output for one batch of spans. */
export interface MappedBatch {
  readonly spans: readonly SpanRecord[];
  readonly nodes: readonly LineageNode[];
  readonly edges: readonly LineageEdge[];
  readonly links: readonly LinkIntent[];
  readonly rejected: readonly RejectedSpan[];
}
