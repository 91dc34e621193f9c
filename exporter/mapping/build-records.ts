import {
  ATTR_LINEAGE_LINK_ENTITY_SHA256,
  ATTR_LINEAGE_LINK_INFERRED,
  ATTR_LINEAGE_LINK_TYPE,
  LINK_TYPES,
} from '../../semconv/index.js';
import type { LineageEdge, LineageNode, LinkIntent, PropValue, SpanRecord } from '../model/lineage-record.js';
import type { SpanView } from '../model/span-view.js';
import { asSha256 } from './content-hash.js';
import {
  artifactNodeId,
  dataSourceNodeId,
  finalOutputNodeId,
  modelInvocationNodeId,
  runNodeId,
  upstreamNodeId,
} from './node-ids.js';
import { edgeId } from './resolve-link.js';
import type { SpanFacts } from './span-facts.js';

/** Records one span contributes to its batch. */
export interface SpanRecords {
  readonly span: SpanRecord;
  readonly nodes: LineageNode[];
  readonly edges: LineageEdge[];
  readonly links: LinkIntent[];
}

/** Thrown when a span parses but cannot become lineage (e.g. an output span without a hash). */
export class MappingRejection extends Error {
  readonly reason: string;

  constructor(reason: string, message: string) {
    super(message);
    this.name = 'MappingRejection';
    this.reason = reason;
  }
}

/** Drops undefined values: node props hold only real values. */
function props(values: Readonly<Record<string, PropValue | undefined>>): Record<string, PropValue> {
  const out: Record<string, PropValue> = {};
  // Object.keys visits the same keys in the same order as Object.entries did, without
  // allocating a [key, value] array per prop (this runs for every node).
  for (const k of Object.keys(values)) {
    const v = values[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

type LinkType = LinkIntent['linkType'];

function primaryNode(view: SpanView, facts: SpanFacts): string | undefined {
  switch (facts.spanType) {
    case 'model_invocation':
      return modelInvocationNodeId(view.traceId, view.spanId);
    case 'output':
      return facts.output ? finalOutputNodeId(view.traceId, view.spanId) : undefined;
    case 'run':
      return runNodeId(view.traceId);
    default:
      return facts.run ? runNodeId(view.traceId) : undefined;
  }
}

/**
 * Turns one span's facts into lineage records with deterministic ids. Content is copied
 * into `props.content` only when `captureContent` is on; hashes are always kept.
 * @throws {MappingRejection} when the span cannot be represented (output without a hash).
 */
export function buildSpanRecords(view: SpanView, facts: SpanFacts, captureContent: boolean): SpanRecords {
  const t = view.traceId;
  const s = view.spanId;
  const inferred = facts.dialect !== 'lineage';
  const startTimeMs = view.startTimeMs;
  const endTimeMs = view.endTimeMs;
  const nodes: LineageNode[] = [];
  const edges: LineageEdge[] = [];
  const links: LinkIntent[] = [];
  const content = (text: string | undefined) => (captureContent ? text : undefined);

  if (facts.run) {
    const r = facts.run;
    nodes.push({
      // The common fields, written out (same order as before) rather than spread from one
      // base object: a literal of fixed shape is cheaper to build, and this runs per node.
      runId: t,
      spanId: s,
      startTimeMs,
      endTimeMs,
      // A root that is not a recorded run span only stands in for the run.
      inferred: inferred || facts.spanType !== 'run',
      id: runNodeId(t),
      kind: 'ExecutionRun',
      props: props({
        agentName: r.agentName,
        agentId: r.agentId,
        agentVersion: r.agentVersion,
        environment: r.environment,
        trigger: r.trigger,
        actor: r.actor,
        parentRunId: r.parentRunId,
        statusCode: view.status.code,
        dialect: facts.dialect,
        outputSha256: r.output?.sha256,
      }),
    });
  }

  // A framework-level model span's invocation is held on its span record, not written: only
  // the whole run shows whether a provider-level span recorded the same call (resolve-held-invocations.ts).
  const held: { nodes: LineageNode[]; edges: LineageEdge[] } | undefined = facts.frameworkLevel
    ? { nodes: [], edges: [] }
    : undefined;
  if (facts.spanType === 'model_invocation' && facts.model) {
    const m = facts.model;
    const mi = modelInvocationNodeId(t, s);
    const miNodes = held?.nodes ?? nodes;
    const miEdges = held?.edges ?? edges;
    miNodes.push({
      runId: t,
      spanId: s,
      startTimeMs,
      endTimeMs,
      inferred,
      id: mi,
      kind: 'ModelInvocation',
      props: props({
        provider: m.provider,
        operation: m.operation,
        requestModel: m.requestModel,
        responseModel: m.responseModel,
        modelVersion: m.modelVersion,
        pinned: m.pinned,
        systemPromptSha256: m.systemPromptSha256,
        inputSha256: m.inputSha256,
        toolsSha256: m.toolsSha256,
        outputSha256: m.output?.sha256,
        inputTokens: m.inputTokens,
        outputTokens: m.outputTokens,
        timeToFirstTokenMs: m.timeToFirstTokenMs,
        firstTokenTimeMs: m.firstTokenTimeMs,
        temperature: m.temperature,
        topP: m.topP,
        maxTokens: m.maxTokens,
        seed: m.seed,
        statusCode: view.status.code,
        dialect: facts.dialect,
        content: content(m.inputContent),
      }),
    });
    // No output hash (content not recorded by a foreign instrumentation) → no artifact: an
    // entity without a hash could not be verified or joined.
    if (m.output) {
      const art = artifactNodeId(t, s);
      miNodes.push({
        runId: t,
        spanId: s,
        startTimeMs,
        endTimeMs,
        inferred,
        id: art,
        kind: 'IntermediateArtifact',
        sha256: m.output.sha256,
        props: props({ artifactKind: 'model_output', content: content(m.output.content) }),
      });
      miEdges.push({
        id: edgeId('PRODUCED_BY', art, mi),
        type: 'PRODUCED_BY',
        from: art,
        to: mi,
        runId: t,
        inferred,
        timeMs: view.endTimeMs,
      });
    }
  }

  facts.dataSources.forEach((d, n) => {
    nodes.push({
      runId: t,
      spanId: s,
      startTimeMs,
      endTimeMs,
      inferred,
      id: dataSourceNodeId(t, s, n),
      kind: 'DataSource',
      sha256: d.hash.sha256,
      props: props({
        sourceId: d.sourceId,
        sourceKind: d.sourceKind,
        uri: d.uri,
        size: d.size,
        ingestedAt: d.ingestedAt,
        score: d.score,
        indexVersion: d.indexVersion,
        querySha256: d.querySha256,
        requestSha256: d.requestSha256,
        toolName: d.toolName,
        toolVersion: d.toolVersion,
        toolDefinitionSha256: d.toolDefinitionSha256,
        toolCallId: d.toolCallId,
        hashBasis: d.hash.basis,
        content: content(d.hash.content),
      }),
    });
  });

  if (facts.spanType === 'output') {
    if (!facts.output) {
      throw new MappingRejection(
        'missing_output_sha256',
        'output span carries neither lineage.output.sha256 nor content',
      );
    }
    const o = facts.output;
    nodes.push({
      runId: t,
      spanId: s,
      startTimeMs,
      endTimeMs,
      inferred,
      id: finalOutputNodeId(t, s),
      kind: 'FinalOutput',
      sha256: o.hash.sha256,
      props: props({ channel: o.channel, recipient: o.recipient, content: content(o.hash.content) }),
    });
  }

  const from = primaryNode(view, facts);
  for (const link of view.links) {
    const linkType = link.attributes[ATTR_LINEAGE_LINK_TYPE];
    if (!(LINK_TYPES as readonly unknown[]).includes(linkType)) continue;
    const linkInferred = link.attributes[ATTR_LINEAGE_LINK_INFERRED] === true;
    if (linkType === 'triggered_by') {
      const up = upstreamNodeId(link.traceId, link.spanId);
      const run = runNodeId(t);
      nodes.push({
        id: up,
        kind: 'Upstream',
        runId: t,
        spanId: s,
        startTimeMs: view.startTimeMs,
        inferred: linkInferred,
        props: { traceId: link.traceId, spanId: link.spanId },
      });
      edges.push({
        id: edgeId('TRIGGERED_BY', run, up),
        type: 'TRIGGERED_BY',
        from: run,
        to: up,
        runId: t,
        inferred: linkInferred,
        timeMs: view.startTimeMs,
      });
      continue;
    }
    // Links on spans with no node of their own (a retrieval carrying `consumed`) have no lineage subject.
    if (from === undefined) continue;
    const entitySha256 = asSha256(link.attributes[ATTR_LINEAGE_LINK_ENTITY_SHA256]);
    links.push({
      id: `${linkType}:${from}>${link.traceId}:${link.spanId}:${entitySha256 ?? ''}`,
      linkType: linkType as LinkType,
      fromNode: from,
      runId: t,
      target: { traceId: link.traceId, spanId: link.spanId },
      ...(entitySha256 !== undefined ? { entitySha256 } : {}),
      inferred: linkInferred,
      timeMs: view.startTimeMs,
    });
  }

  const isModel = facts.spanType === 'model_invocation';
  const span: SpanRecord = {
    runId: t,
    spanId: s,
    ...(view.parentSpanId !== undefined ? { parentSpanId: view.parentSpanId } : {}),
    spanType: facts.spanType,
    dialect: facts.dialect,
    name: view.name,
    startTimeMs: view.startTimeMs,
    endTimeMs: view.endTimeMs,
    isRoot: facts.isRoot,
    ...(facts.toolCallId !== undefined ? { toolCallId: facts.toolCallId } : {}),
    ...(isModel && facts.consumedToolCallIds.length > 0
      ? { consumedToolCallIds: facts.consumedToolCallIds }
      : {}),
    ...(isModel && facts.consumedContentSha256.length > 0
      ? { consumedContentSha256: facts.consumedContentSha256 }
      : {}),
    ...(held !== undefined && held.nodes.length > 0 ? { heldInvocation: held } : {}),
  };
  return { span, nodes, edges, links };
}
