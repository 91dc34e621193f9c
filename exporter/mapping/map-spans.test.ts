import { describe, expect, it } from 'vitest';
import type { LineageNode } from '../model/lineage-record.js';
import type { SpanView } from '../model/span-view.js';
import { mapSpans } from './map-spans.js';
import { resolveLink } from './resolve-link.js';
import { ownDialectRun, sha, UPSTREAM } from './test-support/own-dialect-run.js';
import { spanIdOf, traceIdOf } from './test-support/record-spans.js';

const T = traceIdOf(1);
const S = spanIdOf;
const MS = 1_700_000_000_000;
const ANSWER = sha('Approve with two signatures.');

describe('mapSpans — our own semantic conventions', () => {
  const batch = mapSpans(ownDialectRun(), { captureContent: false });

  it('records every span', () => {
    expect(batch.rejected).toEqual([]);
    expect(batch.spans).toEqual([
      {
        runId: T,
        spanId: S(1),
        spanType: 'run',
        dialect: 'lineage',
        name: 'invoke_agent loan-triage',
        startTimeMs: MS,
        endTimeMs: MS + 200,
        isRoot: true,
      },
      {
        runId: T,
        spanId: S(2),
        parentSpanId: S(1),
        spanType: 'retrieval',
        dialect: 'lineage',
        name: 'retrieval kb-policies',
        startTimeMs: MS + 10,
        endTimeMs: MS + 20,
        isRoot: false,
      },
      {
        runId: T,
        spanId: S(3),
        parentSpanId: S(1),
        spanType: 'tool_call',
        dialect: 'lineage',
        name: 'execute_tool get_rates',
        startTimeMs: MS + 30,
        endTimeMs: MS + 40,
        isRoot: false,
        toolCallId: 'call_1',
      },
      {
        runId: T,
        spanId: S(4),
        parentSpanId: S(1),
        spanType: 'model_invocation',
        dialect: 'lineage',
        name: 'chat gpt-4o',
        startTimeMs: MS + 50,
        endTimeMs: MS + 150,
        isRoot: false,
      },
      {
        runId: T,
        spanId: S(5),
        parentSpanId: S(1),
        spanType: 'output',
        dialect: 'lineage',
        name: 'output email',
        startTimeMs: MS + 160,
        endTimeMs: MS + 170,
        isRoot: false,
      },
    ]);
  });

  it('produces the documented nodes with deterministic ids', () => {
    const common = { runId: T, inferred: false };
    expect(batch.nodes).toEqual([
      {
        ...common,
        id: `art:${T}:${S(4)}`,
        kind: 'IntermediateArtifact',
        spanId: S(4),
        startTimeMs: MS + 50,
        endTimeMs: MS + 150,
        sha256: ANSWER,
        props: { artifactKind: 'model_output' },
      },
      {
        ...common,
        id: `ds:${T}:${S(2)}:0`,
        kind: 'DataSource',
        spanId: S(2),
        startTimeMs: MS + 10,
        endTimeMs: MS + 20,
        sha256: sha('chunk three'),
        props: {
          sourceId: 'kb://policies/loans.md#chunk-3',
          sourceKind: 'rag_chunk',
          uri: 's3://kb/policies/loans.md',
          size: 11,
          ingestedAt: '2026-10-30T08:00:00Z',
          score: 0.83,
          indexVersion: 'kb-2026-11-01',
          querySha256: sha('loan rules'),
          hashBasis: 'content',
        },
      },
      {
        ...common,
        id: `ds:${T}:${S(2)}:1`,
        kind: 'DataSource',
        spanId: S(2),
        startTimeMs: MS + 10,
        endTimeMs: MS + 20,
        sha256: sha('chunk four'),
        props: {
          sourceId: 'kb://policies/loans.md#chunk-4',
          sourceKind: 'rag_chunk',
          indexVersion: 'kb-2026-11-01',
          querySha256: sha('loan rules'),
          hashBasis: 'content',
        },
      },
      {
        ...common,
        id: `ds:${T}:${S(3)}:0`,
        kind: 'DataSource',
        spanId: S(3),
        startTimeMs: MS + 30,
        endTimeMs: MS + 40,
        sha256: sha('{"rate":3.1}'),
        props: {
          sourceId: 'get_rates',
          sourceKind: 'tool_output',
          requestSha256: sha('{"currency":"EUR"}'),
          toolName: 'get_rates',
          toolVersion: '2.1.0',
          toolCallId: 'call_1',
          hashBasis: 'content',
        },
      },
      {
        ...common,
        id: `mi:${T}:${S(4)}`,
        kind: 'ModelInvocation',
        spanId: S(4),
        startTimeMs: MS + 50,
        endTimeMs: MS + 150,
        props: {
          provider: 'openai',
          operation: 'chat',
          requestModel: 'gpt-4o',
          responseModel: 'gpt-4o-2024-08-06',
          modelVersion: 'gpt-4o-2024-08-06',
          pinned: true,
          systemPromptSha256: sha('You triage loans.'),
          inputSha256: sha('input'),
          outputSha256: ANSWER,
          inputTokens: 812,
          outputTokens: 64,
          timeToFirstTokenMs: 30,
          firstTokenTimeMs: MS + 80,
          temperature: 0.2,
          statusCode: 0,
          dialect: 'lineage',
        },
      },
      {
        ...common,
        id: `out:${T}:${S(5)}`,
        kind: 'FinalOutput',
        spanId: S(5),
        startTimeMs: MS + 160,
        endTimeMs: MS + 170,
        sha256: ANSWER,
        props: { channel: 'email', recipient: 'hmac-sha256:def' },
      },
      {
        ...common,
        id: `run:${T}`,
        kind: 'ExecutionRun',
        spanId: S(1),
        startTimeMs: MS,
        endTimeMs: MS + 200,
        props: {
          agentName: 'loan-triage',
          agentVersion: '1.4.2',
          environment: 'production',
          trigger: 'api',
          actor: 'hmac-sha256:abc',
          statusCode: 0,
          dialect: 'lineage',
        },
      },
      {
        ...common,
        id: `up:${UPSTREAM.traceId}:${UPSTREAM.spanId}`,
        kind: 'Upstream',
        spanId: S(1),
        startTimeMs: MS,
        props: { ...UPSTREAM },
      },
    ]);
  });

  it('records PRODUCED_BY and TRIGGERED_BY directly and the other links as intents', () => {
    expect(batch.edges).toEqual([
      {
        id: `PRODUCED_BY:art:${T}:${S(4)}>mi:${T}:${S(4)}`,
        type: 'PRODUCED_BY',
        from: `art:${T}:${S(4)}`,
        to: `mi:${T}:${S(4)}`,
        runId: T,
        inferred: false,
        timeMs: MS + 150,
      },
      {
        id: `TRIGGERED_BY:run:${T}>up:${UPSTREAM.traceId}:${UPSTREAM.spanId}`,
        type: 'TRIGGERED_BY',
        from: `run:${T}`,
        to: `up:${UPSTREAM.traceId}:${UPSTREAM.spanId}`,
        runId: T,
        inferred: false,
        timeMs: MS,
      },
    ]);
    expect(batch.links).toEqual([
      {
        id: `consumed:mi:${T}:${S(4)}>${T}:${S(2)}:`,
        linkType: 'consumed',
        fromNode: `mi:${T}:${S(4)}`,
        runId: T,
        target: { traceId: T, spanId: S(2) },
        inferred: false,
        timeMs: MS + 50,
      },
      {
        id: `consumed:mi:${T}:${S(4)}>${T}:${S(3)}:`,
        linkType: 'consumed',
        fromNode: `mi:${T}:${S(4)}`,
        runId: T,
        target: { traceId: T, spanId: S(3) },
        inferred: false,
        timeMs: MS + 50,
      },
      {
        id: `contributed_to:out:${T}:${S(5)}>${T}:${S(4)}:${ANSWER}`,
        linkType: 'contributed_to',
        fromNode: `out:${T}:${S(5)}`,
        runId: T,
        target: { traceId: T, spanId: S(4) },
        entitySha256: ANSWER,
        inferred: false,
        timeMs: MS + 160,
      },
    ]);
  });

  it('resolves its link intents with resolveLink into the section-2 edges', () => {
    const bySpan = (spanId: string): LineageNode[] =>
      batch.nodes.filter((n) => n.spanId === spanId && n.kind !== 'Upstream');
    const edges = batch.links
      .flatMap((l) => resolveLink(l, bySpan(l.target.spanId)))
      .map((e) => `${e.type} ${e.from} ${e.to}`);
    expect(edges.sort()).toEqual([
      `CONSUMED_BY ds:${T}:${S(3)}:0 mi:${T}:${S(4)}`,
      `CONTRIBUTED_TO mi:${T}:${S(4)} out:${T}:${S(5)}`,
      `RETRIEVED_FROM mi:${T}:${S(4)} ds:${T}:${S(2)}:0`,
      `RETRIEVED_FROM mi:${T}:${S(4)} ds:${T}:${S(2)}:1`,
    ]);
  });

  it('stores content only when capture is on', () => {
    const captured = mapSpans(ownDialectRun(), { captureContent: true });
    const chunk = captured.nodes.find((n) => n.id === `ds:${T}:${S(2)}:0`);
    expect(chunk?.props.content).toBe('chunk three');
    expect(batch.nodes.some((n) => 'content' in n.props)).toBe(false);
  });

  it('rejects an output span without a hash alone, and never throws on a broken view', () => {
    const views = ownDialectRun();
    const output = views.find((v) => v.spanId === S(5));
    if (!output) throw new Error('fixture');
    const noHash: SpanView = {
      ...output,
      spanId: 'e'.repeat(16),
      attributes: { 'lineage.span.type': 'output' },
    };
    const broken = { ...output, spanId: 'f'.repeat(16), attributes: null } as unknown as SpanView;
    const result = mapSpans([...views, noHash, broken], { captureContent: false });
    expect(result.rejected).toEqual([
      { traceId: T, spanId: 'e'.repeat(16), reason: 'missing_output_sha256', message: expect.any(String) },
      { traceId: T, spanId: 'f'.repeat(16), reason: 'mapping_error', message: expect.any(String) },
    ]);
    expect(result.nodes).toEqual(batch.nodes);
  });
});
