import { describe, expect, it } from 'vitest';
import { inferRunEdges, type RunRecords } from '../mapping/infer-edges.js';
import { mapSpans } from '../mapping/map-spans.js';
import { genAiRun, GEN_AI_TEXT as X } from '../mapping/test-support/gen-ai-run.js';
import type { LineageNode, MappedBatch } from '../model/lineage-record.js';
import { amendWithContent } from './amend-with-content.js';
import type { LogView } from './log-view.js';
import { readContentEvents } from './read-content-events.js';
import {
  contentFreeRun,
  type FIXTURE_TOOL_CALL,
  officialContentLogs,
} from './test-support/official-content-logs.js';

function records(batch: MappedBatch): RunRecords {
  return { spans: batch.spans, nodes: batch.nodes, edges: batch.edges };
}

function byId(nodes: readonly LineageNode[]): Map<string, LineageNode> {
  return new Map(nodes.map((n) => [n.id, n]));
}

/** Applies an amendment the way the finaliser and store do: replace same ids, add the rest. */
function applied(run: RunRecords, amendment: ReturnType<typeof amendWithContent>): RunRecords {
  const nodes = byId(run.nodes);
  for (const n of [...amendment.replacedNodes, ...amendment.addedNodes]) nodes.set(n.id, n);
  const spans = new Map(run.spans.map((s) => [s.spanId, s]));
  for (const s of amendment.replacedSpans) spans.set(s.spanId, s);
  return {
    nodes: [...nodes.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
    spans: [...spans.values()].sort((a, b) => (a.spanId < b.spanId ? -1 : 1)),
    edges: [...run.edges, ...amendment.addedEdges].sort((a, b) => (a.id < b.id ? -1 : 1)),
  };
}

describe('amendWithContent: content from log records gives the graph content on the spans would', () => {
  const full = records(mapSpans(genAiRun(), { captureContent: false }));
  const bare = records(mapSpans(contentFreeRun().views, { captureContent: false }));
  const events = readContentEvents(officialContentLogs()).events;

  it('the spans alone carry no hashes of prompts or answers', () => {
    const invocations = bare.nodes.filter((n) => n.kind === 'ModelInvocation');
    expect(invocations).toHaveLength(2);
    for (const mi of invocations) {
      expect(mi.props.inputSha256).toBeUndefined();
      expect(mi.props.outputSha256).toBeUndefined();
    }
    expect(bare.nodes.filter((n) => n.kind === 'IntermediateArtifact')).toEqual([]);
  });

  it('fills exactly the hashes, artifacts and consumption facts that span content yields', () => {
    const amendment = amendWithContent(bare, events, false);
    expect(amendment.unmatched).toBe(0);
    const merged = applied(bare, amendment);
    expect(merged.nodes).toEqual(full.nodes);
    expect(merged.edges).toEqual(full.edges);
    expect(merged.spans).toEqual(full.spans);
  });

  it('so inference then yields the same edges and the same FinalOutput', () => {
    const merged = applied(bare, amendWithContent(bare, events, false));
    const fromLogs = inferRunEdges(merged);
    const fromSpans = inferRunEdges(full);
    expect(fromLogs).toEqual(fromSpans);
    expect(fromLogs.nodes.filter((n) => n.kind === 'FinalOutput')).toHaveLength(1);
  });

  it('keeps content only when capture is on', () => {
    const without = amendWithContent(bare, events, false);
    expect(JSON.stringify(without)).not.toContain(X.answer);
    const withContent = amendWithContent(bare, events, true);
    expect(withContent.addedNodes.map((n) => n.props.content)).toContain(X.answer);
    expect(withContent.replacedNodes).toHaveLength(2);
    expect(withContent.replacedNodes.every((n) => typeof n.props.content === 'string')).toBe(true);
  });

  it('never replaces a hash the span recorded', () => {
    const recorded = 'f'.repeat(64);
    const run: RunRecords = {
      ...bare,
      nodes: bare.nodes.map((n) =>
        n.kind === 'ModelInvocation' ? { ...n, props: { ...n.props, outputSha256: recorded } } : n,
      ),
    };
    const amendment = amendWithContent(run, events, false);
    expect(amendment.replacedNodes).toHaveLength(2);
    for (const mi of amendment.replacedNodes) expect(mi.props.outputSha256).toBe(recorded);
    // The artifact carries the recorded hash too: one answer, one hash.
    expect(amendment.addedNodes).toHaveLength(2);
    for (const art of amendment.addedNodes) expect(art.sha256).toBe(recorded);
  });

  it('is idempotent: amending the amended records changes nothing', () => {
    const once = applied(bare, amendWithContent(bare, events, false));
    const again = amendWithContent(once, events, false);
    expect(again.replacedNodes).toEqual([]);
    expect(again.replacedSpans).toEqual([]);
    expect(again.addedNodes).toEqual([]);
    expect(again.addedEdges).toEqual([]);
  });

  it('hashes nothing from events whose content was withheld, but still joins their tool-call ids', () => {
    const withheld = readContentEvents(
      officialContentLogs().map((l): LogView => {
        if (l.body === null || typeof l.body !== 'object' || Array.isArray(l.body)) return l;
        // What the instrumentation emits with captureMessageContent off.
        const { content: _c, ...rest } = l.body as Record<string, unknown>;
        if (l.eventName === 'gen_ai.choice') return { ...l, body: { index: 0, message: {} } };
        const calls = rest.tool_calls as (typeof FIXTURE_TOOL_CALL)[] | undefined;
        return {
          ...l,
          body: {
            ...(rest as Record<string, LogView['body']>),
            ...(calls
              ? {
                  tool_calls: calls.map((c) => ({
                    id: c.id,
                    type: c.type,
                    function: { name: c.function.name },
                  })),
                }
              : {}),
          },
        };
      }),
    ).events;
    const amendment = amendWithContent(bare, withheld, false);
    expect(amendment.replacedNodes).toEqual([]);
    expect(amendment.addedNodes).toEqual([]);
    const chat2 = amendment.replacedSpans.find((s) => s.consumedToolCallIds !== undefined);
    expect(chat2?.consumedToolCallIds).toEqual(['call_9']);
    expect(chat2?.consumedContentSha256).toBeUndefined();
  });

  it('counts events whose span is not a model invocation of the run', () => {
    const stray = events.map((e) => ({ ...e, spanId: '00000000000000aa' }));
    const amendment = amendWithContent(bare, stray, false);
    expect(amendment.unmatched).toBe(stray.length);
    expect(amendment.replacedNodes).toEqual([]);
  });
});
