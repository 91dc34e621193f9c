import { describe, expect, it } from 'vitest';
import type { LineageEdge, MappedBatch } from '../model/lineage-record.js';
import type { SpanView } from '../model/span-view.js';
import { inferRunEdges } from './infer-edges.js';
import { mapSpans } from './map-spans.js';
import { FRAMEWORK_SCOPE, frameworkProviderRun } from './test-support/framework-provider-run.js';
import { spanIdOf, T0, traceIdOf } from './test-support/record-spans.js';

const T = traceIdOf(1);
const S = spanIdOf;
const mi = (span: number) => `mi:${T}:${S(span)}`;
const map = (views: readonly SpanView[]) => mapSpans(views, { captureContent: false });
const infer = (batch: MappedBatch) =>
  inferRunEdges({ spans: [...batch.spans], nodes: [...batch.nodes], edges: [...batch.edges] });
const edgeList = (edges: readonly LineageEdge[]) => edges.map((e) => `${e.type} ${e.from} ${e.to}`);

/** The same spans as if a non-framework instrumentation had recorded them. */
const asProviderLevel = (views: readonly SpanView[]) =>
  views.map((v) => (v.scope.name === FRAMEWORK_SCOPE ? { ...v, scope: { name: 'fixture' } } : v));

/** Replaces attributes / times of one span of a fixture. */
function edit(views: readonly SpanView[], span: number, change: Partial<SpanView>): SpanView[] {
  return views.map((v) =>
    v.spanId === S(span) ? { ...v, ...change, attributes: { ...v.attributes, ...change.attributes } } : v,
  );
}

describe('framework-level model spans (LangChain callbacks) next to provider-level ones', () => {
  // Spans: 1 app root, 2 LangChain chat ⊃ 3 OpenAI chat (tool call), 4 tool, 5 LangChain chat ⊃ 6 OpenAI chat.
  const batch = map(frameworkProviderRun());

  it('holds a framework span’s invocation on its span record and maps the provider span as usual', () => {
    expect(batch.rejected).toEqual([]);
    expect(batch.nodes.filter((n) => n.kind === 'ModelInvocation').map((n) => n.id)).toEqual([mi(3), mi(6)]);
    expect(batch.nodes.filter((n) => n.spanId === S(2) || n.spanId === S(5))).toEqual([]);
    const held = (span: number) => batch.spans.find((s) => s.spanId === S(span))?.heldInvocation;
    // The first LangChain answer is an empty text part (its tool calls unrecorded): no artifact.
    expect(held(2)?.nodes.map((n) => n.id)).toEqual([mi(2)]);
    expect(held(5)?.nodes.map((n) => n.id)).toEqual([mi(5), `art:${T}:${S(5)}`]);
    expect(edgeList(held(5)?.edges ?? [])).toEqual([`PRODUCED_BY art:${T}:${S(5)} ${mi(5)}`]);
    expect(held(3)).toBeUndefined();
    expect(held(5)?.nodes[0]?.props).toMatchObject({
      modelVersion: 'gpt-4o',
      inputTokens: 50,
      outputTokens: 3,
    });
  });

  it('lets the provider span stand for each call: its tool-call answer feeds the answering call, which gives the output', () => {
    const inferred = infer(batch);
    expect(inferred.nodes.map((n) => [n.id, n.kind])).toEqual([[`out:${T}:${S(1)}`, 'FinalOutput']]);
    expect(edgeList(inferred.edges)).toEqual([
      `CONSUMED_BY art:${T}:${S(3)} ${mi(6)}`,
      `CONSUMED_BY ds:${T}:${S(4)}:0 ${mi(6)}`,
      `CONTRIBUTED_TO ${mi(6)} out:${T}:${S(1)}`,
    ]);
  });

  it('releases the held invocations, exactly as a non-framework span maps, when no provider span recorded the calls', () => {
    const alone = frameworkProviderRun({ provider: false });
    const inferred = infer(map(alone));
    const direct = map(asProviderLevel(alone));
    const models = (ids: readonly { spanId: string; kind: string }[]) =>
      ids.filter((n) => n.kind === 'ModelInvocation' || n.kind === 'IntermediateArtifact');
    expect(models(inferred.nodes)).toEqual(models(direct.nodes));
    expect(inferred.edges.filter((e) => e.type === 'PRODUCED_BY')).toEqual(direct.edges);
  });

  it('is idempotent: inference over its own output adds nothing, with or without provider spans', () => {
    for (const views of [frameworkProviderRun(), frameworkProviderRun({ provider: false })]) {
      const mapped = map(views);
      const first = inferRunEdges({
        spans: [...mapped.spans],
        nodes: [...mapped.nodes],
        edges: [...mapped.edges],
      });
      const again = inferRunEdges({
        spans: [...mapped.spans],
        nodes: [...mapped.nodes, ...first.nodes],
        edges: [...mapped.edges, ...first.edges],
      });
      expect(again).toEqual({ nodes: [], edges: [] });
    }
  });

  it('gives the same graph whether each span arrives alone, in any order, or all at once', () => {
    const views = frameworkProviderRun();
    const reference = infer(batch);
    for (const order of [
      views,
      [...views].reverse(),
      [views[5], views[1], views[0], views[3], views[4], views[2]],
    ]) {
      const parts = order.map((v) => map([v as SpanView]));
      const merged = {
        spans: parts.flatMap((p) => p.spans),
        nodes: parts.flatMap((p) => p.nodes),
        edges: parts.flatMap((p) => p.edges),
      };
      expect(inferRunEdges(merged)).toEqual(reference);
    }
  });

  it('does not take a provider call whose usage differs as the same call', () => {
    const views = edit(frameworkProviderRun(), 3, { attributes: { 'gen_ai.usage.input_tokens': 31 } });
    const mapped = map(views);
    const inferred = infer(mapped);
    expect(inferred.nodes.filter((n) => n.kind === 'ModelInvocation').map((n) => n.id)).toEqual([mi(2)]);
  });

  it('does not take a provider call outside the framework span’s time window', () => {
    // Span 3 now runs after span 2 ended (beyond the 1 ms clock slack), before span 5 starts.
    const views = edit(frameworkProviderRun(), 3, {
      startTimeMs: T0 * 1000 + 12.5,
      endTimeMs: T0 * 1000 + 13,
    });
    const inferred = infer(map(views));
    expect(inferred.nodes.filter((n) => n.kind === 'ModelInvocation').map((n) => n.id)).toEqual([mi(2)]);
  });

  it('lets one provider call stand for one framework span only (concurrent calls, one uninstrumented)', () => {
    // Span 5 now runs at the same time as span 2 with the same usage, and its provider span 6 is gone.
    const base = frameworkProviderRun().filter((v) => v.spanId !== S(6));
    const span2 = base.find((v) => v.spanId === S(2)) as SpanView;
    const views = edit(base, 5, {
      startTimeMs: span2.startTimeMs,
      endTimeMs: span2.endTimeMs,
      attributes: { 'gen_ai.usage.input_tokens': 30, 'gen_ai.usage.output_tokens': 5 },
    });
    const mapped = map(views);
    const inferred = infer(mapped);
    // Same start: span 2 claims provider span 3 (smaller span id), span 5 is released.
    expect(inferred.nodes.filter((n) => n.kind === 'ModelInvocation').map((n) => n.id)).toEqual([mi(5)]);
    expect(mapped.nodes.filter((n) => n.kind === 'ModelInvocation').map((n) => n.id)).toEqual([mi(3)]);
  });

  it('never holds our own spans, whatever their scope: they record their links', () => {
    const own = edit(frameworkProviderRun({ provider: false }), 2, {
      attributes: { 'lineage.span.type': 'model_invocation' },
    });
    const mapped = map(own);
    expect(mapped.spans.find((s) => s.spanId === S(2))?.heldInvocation).toBeUndefined();
    expect(mapped.nodes.some((n) => n.id === mi(2))).toBe(true);
  });
});
