import type { RunRecords } from '../mapping/infer-edges.js';
import { artifactNodeId, modelInvocationNodeId } from '../mapping/node-ids.js';
import type { ChatMessage } from '../mapping/read-messages.js';
import { readModelFact } from '../mapping/read-model.js';
import { consumedFacts } from '../mapping/read-span-facts.js';
import { edgeId } from '../mapping/resolve-link.js';
import type { LineageEdge, LineageNode, PropValue, SpanRecord } from '../model/lineage-record.js';
import type { SpanView } from '../model/span-view.js';
import type { ContentEvent } from './content-event.js';

/** What merging a run's content events changes. */
export interface ContentAmendment {
  /** Existing ModelInvocation nodes with hashes filled in (same ids). */
  readonly replacedNodes: LineageNode[];
  /** Existing span records with the tool-call ids and content hashes their requests consumed. */
  readonly replacedSpans: SpanRecord[];
  /** New output artifacts of those invocations, and their PRODUCED_BY edges. */
  readonly addedNodes: LineageNode[];
  readonly addedEdges: LineageEdge[];
  /** Content events whose span is not a model invocation of the run (nothing to fill). */
  readonly unmatched: number;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function union(existing: readonly string[] | undefined, added: readonly string[]): string[] {
  return [...new Set([...(existing ?? []), ...added])].sort(compare);
}

function sameList(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return (a ?? []).length === b.length && (a ?? []).every((v, i) => v === b[i]);
}

/** The message-derived facts of one invocation, computed exactly as for content carried on its span. */
function factsOf(mi: LineageNode, input: readonly ChatMessage[], output: readonly ChatMessage[]) {
  // readModelFact reads attributes for recorded hashes; with none, every hash comes from the messages.
  const view = { attributes: {}, events: [], startTimeMs: mi.startTimeMs } as unknown as SpanView;
  return readModelFact(view, { input, output });
}

/**
 * Merges GenAI content events (from log records) into one run's records (pure). For each
 * model invocation the events name (taken in time order, ties in the given arrival order),
 * the request messages and the answer are hashed the same way as content recorded on a
 * span. Hashes the invocation does not have yet are filled in (recorded ones are never
 * replaced), its answer becomes an IntermediateArtifact, and its span record gains the
 * tool-call ids and content hashes its request consumed, so inference joins it like any
 * span that carried its content. Content itself is kept only when `captureContent` is on.
 */
export function amendWithContent(
  run: RunRecords,
  events: readonly ContentEvent[],
  captureContent: boolean,
): ContentAmendment {
  const bySpan = new Map<string, ContentEvent[]>();
  for (const e of events) {
    const list = bySpan.get(`${e.runId}\u0000${e.spanId}`) ?? [];
    list.push(e);
    bySpan.set(`${e.runId}\u0000${e.spanId}`, list);
  }
  const nodes = new Map(run.nodes.map((n) => [n.id, n]));
  const spans = new Map(run.spans.map((s) => [`${s.runId}\u0000${s.spanId}`, s]));
  const out = {
    replacedNodes: [] as LineageNode[],
    replacedSpans: [] as SpanRecord[],
    addedNodes: [] as LineageNode[],
    addedEdges: [] as LineageEdge[],
    unmatched: 0,
  };
  for (const key of [...bySpan.keys()].sort(compare)) {
    // Stable sort by time only: events of one time keep the store's arrival order.
    const list = (bySpan.get(key) ?? []).sort((a, b) => compare(a.timeNs, b.timeNs));
    const { runId, spanId } = list[0] as ContentEvent;
    const mi = nodes.get(modelInvocationNodeId(runId, spanId));
    if (mi === undefined || mi.kind !== 'ModelInvocation') {
      out.unmatched += list.length;
      continue;
    }
    const input = list.flatMap((e) => e.input);
    const output = list.flatMap((e) => e.output);
    // Messages without their content hash nothing real: only ids are taken from them.
    const inputKnown = input.length > 0 && !list.some((e) => e.inputWithheld);
    const outputKnown = output.length > 0 && !list.some((e) => e.outputWithheld);
    const fact = factsOf(mi, inputKnown ? input : [], outputKnown ? output : []);
    const props: Record<string, PropValue> = { ...mi.props };
    const fill = (name: string, value: PropValue | undefined) => {
      if (value !== undefined && props[name] === undefined) props[name] = value;
    };
    fill('systemPromptSha256', fact.systemPromptSha256);
    fill('inputSha256', fact.inputSha256);
    fill('outputSha256', fact.output?.sha256);
    if (captureContent) fill('content', fact.inputContent);
    const changed = Object.keys(props).length !== Object.keys(mi.props).length;
    if (changed) out.replacedNodes.push({ ...mi, props });

    const outputSha256 = props.outputSha256;
    const art = artifactNodeId(runId, spanId);
    if (typeof outputSha256 === 'string' && !nodes.has(art) && fact.output !== undefined) {
      out.addedNodes.push({
        runId,
        spanId,
        startTimeMs: mi.startTimeMs,
        ...(mi.endTimeMs !== undefined ? { endTimeMs: mi.endTimeMs } : {}),
        inferred: mi.inferred,
        id: art,
        kind: 'IntermediateArtifact',
        sha256: outputSha256,
        props: {
          artifactKind: 'model_output',
          ...(captureContent && fact.output.content !== undefined ? { content: fact.output.content } : {}),
        },
      });
      out.addedEdges.push({
        id: edgeId('PRODUCED_BY', art, mi.id),
        type: 'PRODUCED_BY',
        from: art,
        to: mi.id,
        runId,
        inferred: mi.inferred,
        ...(mi.endTimeMs !== undefined ? { timeMs: mi.endTimeMs } : {}),
      });
    }

    const span = spans.get(key);
    if (span !== undefined) {
      // Tool-call ids are real even when content was withheld; content hashes are not.
      const ids = union(span.consumedToolCallIds, consumedFacts(input).consumedToolCallIds);
      const complete = list.filter((e) => !e.inputWithheld).flatMap((e) => e.input);
      const hashes = union(span.consumedContentSha256, consumedFacts(complete).consumedContentSha256);
      if (!sameList(span.consumedToolCallIds, ids) || !sameList(span.consumedContentSha256, hashes)) {
        out.replacedSpans.push({
          ...span,
          ...(ids.length > 0 ? { consumedToolCallIds: ids } : {}),
          ...(hashes.length > 0 ? { consumedContentSha256: hashes } : {}),
        });
      }
    }
  }
  return out;
}
