import { describe, expect, it } from 'vitest';
import { inferRunEdges } from './infer-edges.js';
import { mapSpans } from './map-spans.js';
import { openInferenceRun, OI_TEXT as X } from './test-support/openinference-run.js';
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

describe('mapSpans — OpenInference', () => {
  const batch = mapSpans(openInferenceRun(), { captureContent: false });

  it('maps CHAIN root, RETRIEVER documents, EMBEDDING and LLM spans', () => {
    expect(batch.rejected).toEqual([]);
    expect(batch.spans.map((s) => [s.spanId, s.spanType, s.dialect, s.parentSpanId ?? null])).toEqual([
      [S(1), 'run', 'openinference', null],
      [S(2), 'retrieval', 'openinference', S(1)],
      [S(3), 'model_invocation', 'openinference', S(2)],
      [S(4), 'model_invocation', 'openinference', S(1)],
    ]);
    expect(batch.nodes).toEqual([
      {
        ...base(4, 10, 30),
        id: `art:${T}:${S(4)}`,
        kind: 'IntermediateArtifact',
        sha256: sha(X.answer),
        props: { artifactKind: 'model_output' },
      },
      {
        ...base(2, 2, 8),
        id: `ds:${T}:${S(2)}:0`,
        kind: 'DataSource',
        sha256: sha(X.chunkA),
        props: {
          sourceId: 'a-1',
          sourceKind: 'rag_chunk',
          uri: 's3://docs/refunds.md',
          size: 36,
          score: 0.92,
          querySha256: sha(X.question),
          hashBasis: 'content',
        },
      },
      {
        ...base(2, 2, 8),
        id: `ds:${T}:${S(2)}:1`,
        kind: 'DataSource',
        sha256: sha(X.chunkB),
        props: {
          sourceId: 'b-7',
          sourceKind: 'rag_chunk',
          size: 22,
          score: 0.31,
          querySha256: sha(X.question),
          hashBasis: 'content',
        },
      },
      {
        ...base(3, 3, 5),
        id: `mi:${T}:${S(3)}`,
        kind: 'ModelInvocation',
        props: {
          operation: 'embeddings',
          requestModel: 'text-embedding-3-small',
          modelVersion: 'text-embedding-3-small',
          pinned: false,
          statusCode: 0,
          dialect: 'openinference',
        },
      },
      {
        ...base(4, 10, 30),
        id: `mi:${T}:${S(4)}`,
        kind: 'ModelInvocation',
        props: {
          provider: 'openai',
          operation: 'chat',
          requestModel: 'gpt-4o-2024-08-06',
          modelVersion: 'gpt-4o-2024-08-06',
          pinned: true,
          systemPromptSha256: sha(X.system),
          inputSha256: sha(
            `[{"content":"${X.system}","role":"system"},{"content":"${X.question}","role":"user"}]`,
          ),
          toolsSha256: sha('[{"function":{"name":"noop"},"type":"function"}]'),
          outputSha256: sha(X.answer),
          inputTokens: 120,
          outputTokens: 14,
          temperature: 0.1,
          maxTokens: 256,
          statusCode: 0,
          dialect: 'openinference',
        },
      },
      {
        ...base(1, 0, 31),
        id: `run:${T}`,
        kind: 'ExecutionRun',
        props: {
          agentName: 'RetrievalQA',
          statusCode: 0,
          dialect: 'openinference',
          outputSha256: sha(X.answer),
        },
      },
    ]);
  });

  it('never persists the raw user id OpenInference records', () => {
    expect(JSON.stringify(mapSpans(openInferenceRun(), { captureContent: true }))).not.toContain(
      'alice@example.com',
    );
  });

  it('infers that the LLM read the retriever documents and produced the final output', () => {
    const inferred = inferRunEdges({
      spans: [...batch.spans],
      nodes: [...batch.nodes],
      edges: [...batch.edges],
    });
    expect(inferred.nodes).toEqual([
      {
        id: `out:${T}:${S(1)}`,
        kind: 'FinalOutput',
        runId: T,
        spanId: S(1),
        startTimeMs: MS,
        endTimeMs: MS + 31,
        inferred: true,
        sha256: sha(X.answer),
        props: { inferredFrom: 'last_model_invocation' },
      },
    ]);
    expect(inferred.edges.map((e) => `${e.type} ${e.from} ${e.to} ${e.inferred}`)).toEqual([
      `CONTRIBUTED_TO mi:${T}:${S(4)} out:${T}:${S(1)} true`,
      `RETRIEVED_FROM mi:${T}:${S(4)} ds:${T}:${S(2)}:0 true`,
      `RETRIEVED_FROM mi:${T}:${S(4)} ds:${T}:${S(2)}:1 true`,
    ]);
  });
});
