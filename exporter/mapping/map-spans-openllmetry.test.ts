import { describe, expect, it } from 'vitest';
import { inferRunEdges } from './infer-edges.js';
import { mapSpans } from './map-spans.js';
import { openLlmetryRun, TL_TEXT as X } from './test-support/openllmetry-run.js';
import { sha } from './test-support/own-dialect-run.js';
import { spanIdOf, traceIdOf } from './test-support/record-spans.js';

const T = traceIdOf(1);
const S = spanIdOf;
const MS = 1_700_000_000_000;
const base = (span: number, start: number, end: number) => ({
  runId: T,
  spanId: S(span),
  startTimeMs: MS + start,
  endTimeMs: MS + end,
  inferred: true,
});

describe('mapSpans — OpenLLMetry / Traceloop', () => {
  const batch = mapSpans(openLlmetryRun(), { captureContent: false });

  it('maps workflow root, tasks, vector query events, tool and chat spans', () => {
    expect(batch.rejected).toEqual([]);
    expect(batch.spans.map((s) => [s.spanId, s.spanType, s.dialect])).toEqual([
      [S(1), 'run', 'openllmetry'],
      [S(2), 'other', 'openllmetry'],
      [S(3), 'retrieval', 'openllmetry'],
      [S(4), 'tool_call', 'openllmetry'],
      [S(5), 'other', 'openllmetry'],
      [S(6), 'model_invocation', 'openllmetry'],
    ]);
    expect(batch.spans[5]?.consumedContentSha256).toEqual([sha(X.system), sha(X.user)].sort());
    expect(batch.nodes).toEqual([
      {
        ...base(6, 10, 20),
        id: `art:${T}:${S(6)}`,
        kind: 'IntermediateArtifact',
        sha256: sha(X.answer),
        props: { artifactKind: 'model_output' },
      },
      {
        ...base(3, 2, 5),
        id: `ds:${T}:${S(3)}:0`,
        kind: 'DataSource',
        sha256: sha(X.doc1),
        props: {
          sourceId: 'p-1',
          sourceKind: 'rag_chunk',
          uri: 'kb://policy.md',
          size: 32,
          score: 0.88,
          hashBasis: 'content',
        },
      },
      {
        ...base(3, 2, 5),
        id: `ds:${T}:${S(3)}:1`,
        kind: 'DataSource',
        sha256: sha(X.doc2),
        props: { sourceId: 'p-2', sourceKind: 'rag_chunk', size: 31, score: 0.5, hashBasis: 'content' },
      },
      {
        ...base(4, 7, 8),
        id: `ds:${T}:${S(4)}:0`,
        kind: 'DataSource',
        sha256: sha(X.clock),
        props: {
          sourceId: 'get_time',
          sourceKind: 'tool_output',
          size: 22,
          requestSha256: sha('{"args":[],"kwargs":{}}'),
          toolName: 'get_time',
          hashBasis: 'content',
        },
      },
      {
        ...base(6, 10, 20),
        id: `mi:${T}:${S(6)}`,
        kind: 'ModelInvocation',
        props: {
          provider: 'openai',
          operation: 'chat',
          requestModel: 'gpt-4o',
          responseModel: 'gpt-4o-2024-08-06',
          modelVersion: 'gpt-4o-2024-08-06',
          pinned: true,
          systemPromptSha256: sha(X.system),
          inputSha256: sha(
            `[{"content":"${X.system}","role":"system"},{"content":"${X.user}","role":"user"}]`,
          ),
          outputSha256: sha(X.answer),
          inputTokens: 40,
          outputTokens: 9,
          temperature: 0.3,
          statusCode: 0,
          dialect: 'openllmetry',
        },
      },
      {
        ...base(1, 0, 22),
        id: `run:${T}`,
        kind: 'ExecutionRun',
        props: { agentName: 'rag', statusCode: 0, dialect: 'openllmetry' },
      },
    ]);
  });

  it('infers feeders across task wrappers (workflow → task → query feeds workflow → task → chat)', () => {
    const inferred = inferRunEdges({
      spans: [...batch.spans],
      nodes: [...batch.nodes],
      edges: [...batch.edges],
    });
    expect(inferred.edges.map((e) => `${e.type} ${e.from} ${e.to}`)).toEqual([
      `CONSUMED_BY ds:${T}:${S(4)}:0 mi:${T}:${S(6)}`,
      `CONTRIBUTED_TO mi:${T}:${S(6)} out:${T}:${S(1)}`,
      `RETRIEVED_FROM mi:${T}:${S(6)} ds:${T}:${S(3)}:0`,
      `RETRIEVED_FROM mi:${T}:${S(6)} ds:${T}:${S(3)}:1`,
    ]);
    expect(inferred.edges.every((e) => e.inferred)).toBe(true);
    expect(inferred.nodes.map((n) => [n.id, n.sha256])).toEqual([[`out:${T}:${S(1)}`, sha(X.answer)]]);
  });
});
