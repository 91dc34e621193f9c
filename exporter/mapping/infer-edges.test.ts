import type { Attributes } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import type { LineageEdge, MappedBatch } from '../model/lineage-record.js';
import { inferRunEdges } from './infer-edges.js';
import { mapSpans } from './map-spans.js';
import { ownDialectRun, sha } from './test-support/own-dialect-run.js';
import { recordViews, spanIdOf, traceIdOf } from './test-support/record-spans.js';

const T = traceIdOf(1);
const S = spanIdOf;

function chat(input: { role: string; text?: string; toolCallId?: string }[], output?: string): Attributes {
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': 'm-2024-01-01',
    'gen_ai.input.messages': JSON.stringify(
      input.map((m) => ({
        role: m.role,
        parts: m.toolCallId
          ? [{ type: 'tool_call_response', id: m.toolCallId, response: m.text }]
          : [{ type: 'text', content: m.text }],
      })),
    ),
    ...(output !== undefined
      ? {
          'gen_ai.output.messages': JSON.stringify([
            { role: 'assistant', parts: [{ type: 'text', content: output }] },
          ]),
        }
      : {}),
  };
}

function infer(batch: MappedBatch) {
  return inferRunEdges({ spans: [...batch.spans], nodes: [...batch.nodes], edges: [...batch.edges] });
}

const edgeList = (edges: readonly LineageEdge[]) => edges.map((e) => `${e.type} ${e.from} ${e.to}`);

describe('inferRunEdges', () => {
  it('adds nothing to runs our SDK recorded (they carry links)', () => {
    expect(infer(mapSpans(ownDialectRun(), { captureContent: false }))).toEqual({ nodes: [], edges: [] });
  });

  it('joins an earlier answer fed back verbatim by its content hash', () => {
    const views = recordViews((t) => {
      const root = t.start('invoke_agent a', {
        startMs: 0,
        attributes: { 'gen_ai.operation.name': 'invoke_agent' },
      });
      t.end(
        t.start('chat 1', {
          parent: root,
          startMs: 1,
          attributes: chat([{ role: 'user', text: 'q' }], 'draft'),
        }),
        5,
      );
      t.end(
        t.start('chat 2', {
          parent: root,
          startMs: 6,
          attributes: chat(
            [
              { role: 'user', text: 'q' },
              { role: 'assistant', text: 'draft' },
            ],
            'final',
          ),
        }),
        9,
      );
      t.end(root, 10);
    });
    const result = infer(mapSpans(views, { captureContent: false }));
    expect(edgeList(result.edges)).toEqual([
      `CONSUMED_BY art:${T}:${S(2)} mi:${T}:${S(3)}`,
      `CONTRIBUTED_TO mi:${T}:${S(3)} out:${T}:${S(1)}`,
    ]);
    expect(result.nodes[0]?.sha256).toBe(sha('final'));
  });

  it('attaches a tool claimed by call id only to the invocation that names it', () => {
    const views = recordViews((t) => {
      const root = t.start('invoke_agent a', {
        startMs: 0,
        attributes: { 'gen_ai.operation.name': 'invoke_agent' },
      });
      t.end(
        t.start('execute_tool x', {
          parent: root,
          startMs: 1,
          attributes: {
            'gen_ai.operation.name': 'execute_tool',
            'gen_ai.tool.name': 'x',
            'gen_ai.tool.call.id': 'c1',
            'gen_ai.tool.call.result': 'r',
          },
        }),
        2,
      );
      t.end(
        t.start('chat A', { parent: root, startMs: 3, attributes: chat([{ role: 'user', text: 'q' }], 'a') }),
        4,
      );
      t.end(
        t.start('chat B', {
          parent: root,
          startMs: 5,
          attributes: chat([{ role: 'tool', text: 'r', toolCallId: 'c1' }], 'b'),
        }),
        6,
      );
      t.end(root, 7);
    });
    expect(edgeList(infer(mapSpans(views, { captureContent: false })).edges)).toEqual([
      `CONSUMED_BY ds:${T}:${S(2)}:0 mi:${T}:${S(4)}`,
      `CONTRIBUTED_TO mi:${T}:${S(4)} out:${T}:${S(1)}`,
    ]);
  });

  it('ignores retrievals that end after the invocation starts, and those inside other subtrees', () => {
    const views = recordViews((t) => {
      const root = t.start('root', { startMs: 0 });
      const other = t.start('other branch', { parent: root, startMs: 1 });
      const deep = t.start('deeper', { parent: other, startMs: 1 });
      const tooDeep = t.start('retrieval deep', {
        parent: deep,
        startMs: 1,
        attributes: {
          'gen_ai.operation.name': 'retrieval',
          'gen_ai.retrieval.documents': '[{"id":"d-deep"}]',
        },
      });
      t.end(tooDeep, 2);
      t.end(deep, 2);
      t.end(other, 2);
      const late = t.start('retrieval late', {
        parent: root,
        startMs: 3,
        attributes: {
          'gen_ai.operation.name': 'retrieval',
          'gen_ai.retrieval.documents': '[{"id":"d-late"}]',
        },
      });
      t.end(
        t.start('chat', { parent: root, startMs: 4, attributes: chat([{ role: 'user', text: 'q' }], 'a') }),
        6,
      );
      t.end(late, 5.5); // more than the 1 ms clock slack after the chat started
      t.end(root, 7);
    });
    expect(edgeList(infer(mapSpans(views, { captureContent: false })).edges)).toEqual([
      `CONTRIBUTED_TO mi:${T}:${S(6)} out:${T}:${S(1)}`,
    ]);
  });

  it("falls back to the root span's own output when the model output was not recorded", () => {
    const views = recordViews((t) => {
      const root = t.start('chain', {
        startMs: 0,
        attributes: { 'openinference.span.kind': 'CHAIN', 'output.value': 'the answer' },
      });
      t.end(
        t.start('llm', {
          parent: root,
          startMs: 1,
          attributes: { 'openinference.span.kind': 'LLM', 'llm.model_name': 'x' },
        }),
        2,
      );
      t.end(root, 3);
    });
    const result = infer(mapSpans(views, { captureContent: false }));
    expect(result.nodes).toMatchObject([
      { id: `out:${T}:${S(1)}`, sha256: sha('the answer'), props: { inferredFrom: 'root_output' } },
    ]);
    expect(edgeList(result.edges)).toEqual([`CONTRIBUTED_TO mi:${T}:${S(2)} out:${T}:${S(1)}`]);
  });

  it('does not infer a FinalOutput when one was recorded, nor repeat recorded edges', () => {
    const views = recordViews((t) => {
      const root = t.start('chain', { startMs: 0, attributes: { 'openinference.span.kind': 'CHAIN' } });
      t.end(
        t.start('retriever', {
          parent: root,
          startMs: 1,
          attributes: { 'openinference.span.kind': 'RETRIEVER', 'retrieval.documents.0.document.id': 'd1' },
        }),
        2,
      );
      t.end(
        t.start('llm', {
          parent: root,
          startMs: 3,
          attributes: { 'openinference.span.kind': 'LLM', 'output.value': 'x' },
        }),
        4,
      );
      t.end(root, 5);
    });
    const batch = mapSpans(views, { captureContent: false });
    const recordedOut = {
      id: `out:${T}:${S(9)}`,
      kind: 'FinalOutput' as const,
      runId: T,
      spanId: S(9),
      startTimeMs: 0,
      inferred: false,
      sha256: sha('x'),
      props: {},
    };
    const recordedEdge: LineageEdge = {
      id: `RETRIEVED_FROM:mi:${T}:${S(3)}>ds:${T}:${S(2)}:0`,
      type: 'RETRIEVED_FROM',
      from: `mi:${T}:${S(3)}`,
      to: `ds:${T}:${S(2)}:0`,
      runId: T,
      inferred: false,
    };
    const result = inferRunEdges({
      spans: [...batch.spans],
      nodes: [...batch.nodes, recordedOut],
      edges: [...batch.edges, recordedEdge],
    });
    expect(result).toEqual({ nodes: [], edges: [] });
  });

  it('moves the inferred FinalOutput to a later-ending invocation that arrives late', () => {
    const views = recordViews((t) => {
      const root = t.start('invoke_agent a', {
        startMs: 0,
        attributes: { 'gen_ai.operation.name': 'invoke_agent' },
      });
      t.end(
        t.start('chat 1', {
          parent: root,
          startMs: 1,
          attributes: chat([{ role: 'user', text: 'q' }], 'first'),
        }),
        2,
      );
      t.end(
        t.start('chat 2', {
          parent: root,
          startMs: 3,
          attributes: chat([{ role: 'user', text: 'q' }], 'second'),
        }),
        4,
      );
      t.end(root, 5);
    });
    const early = mapSpans(
      views.filter((v) => v.spanId !== S(3)),
      { captureContent: false },
    );
    const firstPass = infer(early);
    expect(firstPass.nodes[0]?.sha256).toBe(sha('first'));
    const late = mapSpans(
      views.filter((v) => v.spanId === S(3)),
      { captureContent: false },
    );
    const secondPass = inferRunEdges({
      spans: [...early.spans, ...late.spans],
      nodes: [...early.nodes, ...firstPass.nodes, ...late.nodes],
      edges: [...early.edges, ...firstPass.edges, ...late.edges],
    });
    expect(secondPass.nodes.map((n) => [n.id, n.sha256])).toEqual([[`out:${T}:${S(1)}`, sha('second')]]);
    expect(edgeList(secondPass.edges)).toEqual([`CONTRIBUTED_TO mi:${T}:${S(3)} out:${T}:${S(1)}`]);
  });
});
