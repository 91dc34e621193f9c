import { describe, expect, it } from 'vitest';
import { inferRunEdges } from './infer-edges.js';
import { mapSpans } from './map-spans.js';
import { genAiRun, GEN_AI_TEXT as X } from './test-support/gen-ai-run.js';
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

// Hand-written RFC 8785 forms, so the expected hashes do not come from the code under test.
const CHAT1_INPUT = `[{"content":"${X.system}","role":"system"},{"content":"${X.user}","role":"user"}]`;
const CHAT1_OUTPUT =
  '[{"role":"assistant","tool_calls":[{"arguments":"{\\"city\\":\\"Paris\\"}","id":"call_9","name":"get_weather"}]}]';
const CHAT2_INPUT =
  `[{"content":"${X.user}","role":"user"},` +
  '{"role":"assistant","tool_calls":[{"arguments":"{\\"city\\":\\"Paris\\"}","id":"call_9","name":"get_weather"}]},' +
  `{"content":${JSON.stringify(X.toolResult)},"role":"tool","tool_call_id":"call_9"}]`;

describe('mapSpans — OTel GenAI semantic conventions', () => {
  const batch = mapSpans(genAiRun(), { captureContent: false });

  it('classifies spans and records consumption hints for inference', () => {
    expect(batch.rejected).toEqual([]);
    expect(batch.spans.map((s) => [s.spanType, s.dialect, s.isRoot])).toEqual([
      ['run', 'gen_ai', true],
      ['retrieval', 'gen_ai', false],
      ['model_invocation', 'gen_ai', false],
      ['tool_call', 'gen_ai', false],
      ['model_invocation', 'gen_ai', false],
    ]);
    expect(batch.spans[2]).toMatchObject({ consumedContentSha256: [sha(X.system), sha(X.user)].sort() });
    expect(batch.spans[3]).toMatchObject({ toolCallId: 'call_9' });
    expect(batch.spans[4]).toMatchObject({ consumedToolCallIds: ['call_9'] });
    // The tool result, the user text, and the first answer fed back as an assistant message —
    // hashed as its output was (CHAT1_OUTPUT) and, for instrumentations that write `content: ""`,
    // with an empty content.
    expect(batch.spans[4]?.consumedContentSha256).toEqual(
      [
        sha(X.toolResult),
        sha(X.user),
        sha(CHAT1_OUTPUT),
        sha(
          '[{"content":"","role":"assistant","tool_calls":[{"arguments":"{\\"city\\":\\"Paris\\"}","id":"call_9","name":"get_weather"}]}]',
        ),
      ].sort(),
    );
  });

  it('hashes foreign content and keeps only hashes', () => {
    expect(batch.nodes).toEqual([
      {
        ...base(3, 10, 20),
        id: `art:${T}:${S(3)}`,
        kind: 'IntermediateArtifact',
        sha256: sha(CHAT1_OUTPUT),
        props: { artifactKind: 'model_output' },
      },
      {
        ...base(5, 26, 40),
        id: `art:${T}:${S(5)}`,
        kind: 'IntermediateArtifact',
        sha256: sha(X.answer),
        props: { artifactKind: 'model_output' },
      },
      {
        ...base(2, 5, 9),
        id: `ds:${T}:${S(2)}:0`,
        kind: 'DataSource',
        sha256: sha(X.doc),
        props: {
          sourceId: 'doc-7',
          sourceKind: 'rag_chunk',
          size: 19,
          score: 0.9,
          querySha256: sha(X.user),
          hashBasis: 'content',
        },
      },
      {
        // No content recorded: an identity hash, flagged as such.
        ...base(2, 5, 9),
        id: `ds:${T}:${S(2)}:1`,
        kind: 'DataSource',
        sha256: sha('{"sourceId":"doc-8"}'),
        props: {
          sourceId: 'doc-8',
          sourceKind: 'rag_chunk',
          score: 0.4,
          querySha256: sha(X.user),
          hashBasis: 'identity',
        },
      },
      {
        ...base(4, 21, 25),
        id: `ds:${T}:${S(4)}:0`,
        kind: 'DataSource',
        sha256: sha(X.toolResult),
        props: {
          sourceId: 'get_weather',
          sourceKind: 'tool_output',
          size: 11,
          requestSha256: sha('{"city":"Paris"}'),
          toolName: 'get_weather',
          toolCallId: 'call_9',
          hashBasis: 'content',
        },
      },
      {
        ...base(3, 10, 20),
        id: `mi:${T}:${S(3)}`,
        kind: 'ModelInvocation',
        props: {
          provider: 'openai',
          operation: 'chat',
          requestModel: 'gpt-4o-mini',
          responseModel: 'gpt-4o-mini-2024-07-18',
          modelVersion: 'gpt-4o-mini-2024-07-18',
          pinned: true,
          systemPromptSha256: sha(X.system),
          inputSha256: sha(CHAT1_INPUT),
          outputSha256: sha(CHAT1_OUTPUT),
          inputTokens: 50,
          outputTokens: 10,
          statusCode: 0,
          dialect: 'gen_ai',
        },
      },
      {
        ...base(5, 26, 40),
        id: `mi:${T}:${S(5)}`,
        kind: 'ModelInvocation',
        props: {
          provider: 'openai',
          operation: 'chat',
          requestModel: 'gpt-4o-mini',
          responseModel: 'gpt-4o-mini-2024-07-18',
          modelVersion: 'gpt-4o-mini-2024-07-18',
          pinned: true,
          inputSha256: sha(CHAT2_INPUT),
          outputSha256: sha(X.answer),
          inputTokens: 70,
          outputTokens: 12,
          temperature: 0,
          statusCode: 0,
          dialect: 'gen_ai',
        },
      },
      {
        ...base(1, 0, 45),
        id: `run:${T}`,
        kind: 'ExecutionRun',
        props: { agentName: 'weather', agentId: 'agent-1', statusCode: 0, dialect: 'gen_ai' },
      },
    ]);
    expect(batch.edges.map((e) => e.id)).toEqual([
      `PRODUCED_BY:art:${T}:${S(3)}>mi:${T}:${S(3)}`,
      `PRODUCED_BY:art:${T}:${S(5)}>mi:${T}:${S(5)}`,
    ]);
    expect(batch.links).toEqual([]);
  });

  it('captures content under props.content when asked', () => {
    const captured = mapSpans(genAiRun(), { captureContent: true });
    const byId = new Map(captured.nodes.map((n) => [n.id, n]));
    expect(byId.get(`art:${T}:${S(5)}`)?.props.content).toBe(X.answer);
    expect(byId.get(`ds:${T}:${S(2)}:0`)?.props.content).toBe(X.doc);
    expect(byId.get(`ds:${T}:${S(4)}:0`)?.props.content).toBe(X.toolResult);
    // Structured content is stored as its canonical JSON, so its hash can be re-verified.
    expect(byId.get(`mi:${T}:${S(5)}`)?.props.content).toBe(CHAT2_INPUT);
    expect(byId.get(`art:${T}:${S(3)}`)?.props.content).toBe(CHAT1_OUTPUT);
  });

  it('infers retrieval, tool-call-id and final-output edges', () => {
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
        endTimeMs: MS + 45,
        inferred: true,
        sha256: sha(X.answer),
        props: { inferredFrom: 'last_model_invocation' },
      },
    ]);
    expect(inferred.edges).toEqual([
      {
        // The first answer (its tool calls) fed back into the second call: the content join.
        id: `CONSUMED_BY:art:${T}:${S(3)}>mi:${T}:${S(5)}`,
        type: 'CONSUMED_BY',
        from: `art:${T}:${S(3)}`,
        to: `mi:${T}:${S(5)}`,
        runId: T,
        inferred: true,
        timeMs: MS + 26,
      },
      {
        id: `CONSUMED_BY:ds:${T}:${S(4)}:0>mi:${T}:${S(5)}`,
        type: 'CONSUMED_BY',
        from: `ds:${T}:${S(4)}:0`,
        to: `mi:${T}:${S(5)}`,
        runId: T,
        inferred: true,
        timeMs: MS + 26,
      },
      {
        id: `CONTRIBUTED_TO:mi:${T}:${S(5)}>out:${T}:${S(1)}`,
        type: 'CONTRIBUTED_TO',
        from: `mi:${T}:${S(5)}`,
        to: `out:${T}:${S(1)}`,
        runId: T,
        inferred: true,
        timeMs: MS + 40,
      },
      {
        id: `RETRIEVED_FROM:mi:${T}:${S(3)}>ds:${T}:${S(2)}:0`,
        type: 'RETRIEVED_FROM',
        from: `mi:${T}:${S(3)}`,
        to: `ds:${T}:${S(2)}:0`,
        runId: T,
        inferred: true,
        timeMs: MS + 10,
      },
      {
        id: `RETRIEVED_FROM:mi:${T}:${S(3)}>ds:${T}:${S(2)}:1`,
        type: 'RETRIEVED_FROM',
        from: `mi:${T}:${S(3)}`,
        to: `ds:${T}:${S(2)}:1`,
        runId: T,
        inferred: true,
        timeMs: MS + 10,
      },
      {
        id: `RETRIEVED_FROM:mi:${T}:${S(5)}>ds:${T}:${S(2)}:0`,
        type: 'RETRIEVED_FROM',
        from: `mi:${T}:${S(5)}`,
        to: `ds:${T}:${S(2)}:0`,
        runId: T,
        inferred: true,
        timeMs: MS + 26,
      },
      {
        id: `RETRIEVED_FROM:mi:${T}:${S(5)}>ds:${T}:${S(2)}:1`,
        type: 'RETRIEVED_FROM',
        from: `mi:${T}:${S(5)}`,
        to: `ds:${T}:${S(2)}:1`,
        runId: T,
        inferred: true,
        timeMs: MS + 26,
      },
    ]);
  });
});
