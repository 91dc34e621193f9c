import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { SpanView } from '../model/span-view.js';
import { mapSpans } from './map-spans.js';

const T = '9'.repeat(32);
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
function view(spanId: string, attributes: SpanView['attributes'], extra: Partial<SpanView> = {}): SpanView {
  return {
    traceId: T,
    spanId,
    parentSpanId: '1'.repeat(16),
    name: 'x',
    kind: 0,
    startTimeMs: 10,
    endTimeMs: 20,
    status: { code: 0 },
    attributes,
    events: [],
    links: [],
    resource: {},
    scope: { name: 's' },
    traceFlags: 1,
    ...extra,
  };
}

describe('mapSpans on malformed foreign attributes', () => {
  it('maps what it can and never rejects for bad JSON or odd shapes', () => {
    const result = mapSpans(
      [
        view('2'.repeat(16), {
          'gen_ai.operation.name': 'chat',
          'gen_ai.input.messages': '{"not":"an array"}',
          'gen_ai.output.messages': 'not json at all',
          'gen_ai.tool.definitions': '[',
          'llm.input_messages.x.message.role': 'user',
        }),
        view('3'.repeat(16), {
          'gen_ai.operation.name': 'retrieval',
          'gen_ai.retrieval.documents': '[null, 5, "s", {"id": 7}, {"content": {"nested": true}}]',
        }),
        view('4'.repeat(16), {
          'openinference.span.kind': 'RETRIEVER',
          'retrieval.documents.0.document.metadata': '{bad',
          'retrieval.documents.0.document.id': 'd',
          'retrieval.documents.99999999.document.id': 'huge index is ignored',
        }),
        view('5'.repeat(16), { 'lineage.span.type': 'not-a-type' }),
        view('6'.repeat(16), {
          'lineage.span.type': 'model_invocation',
          'lineage.output.sha256': 'NOT-A-HASH',
        }),
      ],
      { captureContent: false },
    );
    expect(result.rejected).toEqual([]);
    expect(result.spans.map((s) => s.spanType)).toEqual([
      'model_invocation',
      'retrieval',
      'retrieval',
      'other',
      'model_invocation',
    ]);
    // Two documents have an id or content; `{"id": 7}` yields the identity of "7".
    expect(
      result.nodes.filter((n) => n.spanId === '3'.repeat(16)).map((n) => n.props.sourceId ?? null),
    ).toEqual(['7', null]);
    expect(result.nodes.filter((n) => n.spanId === '4'.repeat(16)).map((n) => n.props.sourceId)).toEqual([
      'd',
    ]);
    // A malformed recorded hash is not trusted: no artifact without a real hash.
    expect(result.nodes.some((n) => n.id.startsWith('art:') && n.spanId === '6'.repeat(16))).toBe(false);
  });

  it('keeps one run node when two roots claim a trace, whatever the order', () => {
    const a = view('7'.repeat(16), {}, { parentSpanId: undefined, name: 'root a', startTimeMs: 5 });
    const b = view('8'.repeat(16), {}, { parentSpanId: undefined, name: 'root b', startTimeMs: 1 });
    const ab = mapSpans([a, b], { captureContent: false });
    const ba = mapSpans([b, a], { captureContent: false });
    expect(ab).toEqual(ba);
    expect(ab.nodes.filter((n) => n.kind === 'ExecutionRun').map((n) => n.props.agentName)).toEqual([
      'root b',
    ]);
  });
});

describe('mapSpans on a root span that is not a run span', () => {
  it('lets the root stand in for the run, marked inferred', () => {
    const root = view(
      'a'.repeat(16),
      { 'lineage.span.type': 'model_invocation', 'lineage.output.sha256': 'f'.repeat(64) },
      { parentSpanId: undefined },
    );
    const result = mapSpans([root], { captureContent: false });
    expect(result.nodes.map((n) => [n.kind, n.inferred])).toEqual([
      ['IntermediateArtifact', false],
      ['ModelInvocation', false],
      ['ExecutionRun', true],
    ]);
    expect(result.spans[0]).toMatchObject({ spanType: 'model_invocation', isRoot: true });
  });
});

describe('mapSpans on less common shapes', () => {
  it('reads the older gen_ai.content.prompt / completion span events', () => {
    const chat = view(
      'b'.repeat(16),
      { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'm' },
      {
        events: [
          {
            name: 'gen_ai.content.prompt',
            timeMs: 11,
            attributes: { 'gen_ai.prompt': '[{"role":"user","content":"hi"}]' },
          },
          {
            name: 'gen_ai.content.completion',
            timeMs: 19,
            attributes: { 'gen_ai.completion': '[{"role":"assistant","content":"hello"}]' },
          },
        ],
      },
    );
    const [art] = mapSpans([chat], { captureContent: false }).nodes;
    expect(art).toMatchObject({ kind: 'IntermediateArtifact', sha256: sha256('hello') });
  });

  it('reads an OpenInference TOOL span with tool_call.* attributes', () => {
    const tool = view('c'.repeat(16), {
      'openinference.span.kind': 'TOOL',
      'tool_call.id': 'call_7',
      'tool_call.function.name': 'lookup',
      'tool_call.function.arguments': '{"q":1}',
      'output.value': 'found',
    });
    const result = mapSpans([tool], { captureContent: false });
    expect(result.spans[0]).toMatchObject({ spanType: 'tool_call', toolCallId: 'call_7' });
    expect(result.nodes[0]).toMatchObject({
      kind: 'DataSource',
      sha256: sha256('found'),
      props: {
        sourceKind: 'tool_output',
        toolName: 'lookup',
        toolCallId: 'call_7',
        requestSha256: sha256('{"q":1}'),
      },
    });
  });
});
