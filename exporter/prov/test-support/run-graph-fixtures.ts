/**
 * Hand-built RunGraph fixtures for the PROV-O tests, with deterministic ids as documented
 * in exporter/model/lineage-record.ts (`run:{trace}`, `mi:{trace}:{span}`, …).
 */
import { createHash } from 'node:crypto';
import type {
  EdgeType,
  LineageEdge,
  LineageNode,
  NodeKind,
  PropValue,
  SpanRecord,
} from '../../model/lineage-record.js';
import type { RunGraph } from '../../ports/graph-store.js';

/** SHA-256 hex of a UTF-8 string. */
export function sha(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

const T0 = Date.UTC(2026, 10, 24, 9, 30, 0);

function node(
  kind: NodeKind,
  id: string,
  runId: string,
  spanId: string,
  offsetMs: number,
  props: Record<string, PropValue>,
  extra: { sha256?: string; inferred?: boolean; durationMs?: number } = {},
): LineageNode {
  return {
    id,
    kind,
    runId,
    spanId,
    startTimeMs: T0 + offsetMs,
    endTimeMs: T0 + offsetMs + (extra.durationMs ?? 100),
    inferred: extra.inferred ?? false,
    ...(extra.sha256 === undefined ? {} : { sha256: extra.sha256 }),
    props,
  } as LineageNode;
}

function edge(
  type: EdgeType,
  from: string,
  to: string,
  runId: string,
  offsetMs: number,
  inferred = false,
): LineageEdge {
  return { id: `${type}:${from}>${to}`, type, from, to, runId, inferred, timeMs: T0 + offsetMs };
}

function span(runId: string, spanId: string, spanType: SpanRecord['spanType'], isRoot = false): SpanRecord {
  return {
    runId,
    spanId,
    spanType,
    dialect: 'lineage',
    name: spanType,
    startTimeMs: T0,
    endTimeMs: T0 + 5000,
    isRoot,
  };
}

/** Expected DataSource ids/hashes reachable from one FinalOutput. */
export interface ExpectedSources {
  readonly outputId: string;
  readonly sources: readonly { readonly id: string; readonly sha256: string }[];
}

/** A fixture: the graph plus what backward lineage must find from each output. */
export interface RunGraphFixture {
  readonly graph: RunGraph;
  readonly agentId: string;
  /** Expected sources per output when only this run's bundle is read. */
  readonly expected: readonly ExpectedSources[];
}

function sources(nodes: readonly LineageNode[], ids: readonly string[]): ExpectedSources['sources'] {
  return ids.map((id) => {
    const n = nodes.find((x) => x.id === id);
    if (!n?.sha256) throw new Error(`fixture: no DataSource ${id}`);
    return { id, sha256: n.sha256 };
  });
}

/** Trace ids of the fixtures (run id = trace id). */
export const TRACE = {
  rag: '4bf92f3577b34da6a3ce929d0e0e4736',
  ragTwin: '0af7651916cd43dd8448eb211c80319c',
  child: 'a3ce929d0e0e47364bf92f3577b34da6',
  superseded: '5b8efff798038103d269b633813fc60c',
  inferred: 'c0ffee00c0ffee00c0ffee00c0ffee00',
} as const;

/**
 * A RAG run: retrieval of 5 chunks, a planning model invocation that calls a tool, a
 * second invocation that consumes the chunks, the tool output, the plan and a
 * sub-agent's output, and a FinalOutput. One edge and one node are inferred.
 * `childTrace` names the sub-agent run (spawned by the planning invocation); with
 * `consumeChildOutput` the answer also consumed its output through a recorded link,
 * otherwise only the spawn connects the two runs.
 */
export function ragRun(
  trace: string = TRACE.rag,
  childTrace: string = TRACE.child,
  consumeChildOutput = true,
): RunGraphFixture {
  const run = `run:${trace}`;
  const chunkIds = [0, 1, 2, 3, 4].map((n) => `ds:${trace}:b7ad6b7169203331:${n}`);
  const tool = `ds:${trace}:c8be7c8270314442:0`;
  const mi1 = `mi:${trace}:00f067aa0ba902b7`;
  const art1 = `art:${trace}:00f067aa0ba902b7`;
  const mi2 = `mi:${trace}:d9cf8d9381425553`;
  const art2 = `art:${trace}:d9cf8d9381425553`;
  const out = `out:${trace}:e0d09ea492536664`;
  const up = `up:${trace}:f1e1afb5a3647775`;
  const childOut = `out:${childTrace}:3a4b5c6d7e8f9012`;
  const nodes: LineageNode[] = [
    node(
      'ExecutionRun',
      run,
      trace,
      '53995c3f42cd8ad8',
      0,
      {
        agentName: 'loan-agent',
        agentId: 'loan-agent',
        agentVersion: '1.4.0',
        environment: 'production',
        actor: 'psn:9d1c6a0f4e2b',
        dialect: 'lineage',
      },
      { durationMs: 5000 },
    ),
    node('Upstream', up, trace, 'f1e1afb5a3647775', -10, {
      traceId: 'aaaabbbbccccddddeeeeffff00001111',
      spanId: 'f1e1afb5a3647775',
    }),
    ...chunkIds.map((id, n) =>
      node(
        'DataSource',
        id,
        trace,
        'b7ad6b7169203331',
        100,
        {
          sourceId: `kb://policies/loans.md#chunk-${n}`,
          sourceKind: 'rag_chunk',
          uri: `s3://kb/policies/loans.md`,
          score: 0.9 - n / 10,
          indexVersion: 'idx-2026-11-01',
          ingestedAt: '2026-11-01T08:00:00Z',
          content: `chunk ${n} text`,
        },
        { sha256: sha(`chunk ${n} text`) },
      ),
    ),
    node('ModelInvocation', mi1, trace, '00f067aa0ba902b7', 300, {
      provider: 'openai',
      requestModel: 'gpt-4o',
      responseModel: 'gpt-4o-2024-08-06',
      modelVersion: 'gpt-4o-2024-08-06',
      pinned: true,
      inputTokens: 812,
      outputTokens: 64,
      temperature: 0.2,
      firstTokenTimeMs: T0 + 450,
    }),
    node(
      'IntermediateArtifact',
      art1,
      trace,
      '00f067aa0ba902b7',
      300,
      { artifactKind: 'model_output' },
      {
        sha256: sha('plan: call credit tool'),
      },
    ),
    node(
      'DataSource',
      tool,
      trace,
      'c8be7c8270314442',
      600,
      {
        sourceId: 'tool:credit-score',
        sourceKind: 'tool_output',
        toolName: 'credit_score',
        toolCallId: 'call_1',
      },
      { sha256: sha('{"score":712}'), inferred: true },
    ),
    node('ModelInvocation', mi2, trace, 'd9cf8d9381425553', 1000, {
      provider: 'openai',
      requestModel: 'gpt-4o',
      modelVersion: 'gpt-4o-2024-08-06',
      pinned: true,
    }),
    node(
      'IntermediateArtifact',
      art2,
      trace,
      'd9cf8d9381425553',
      1000,
      { artifactKind: 'model_output' },
      {
        sha256: sha('You qualify.'),
      },
    ),
    node(
      'FinalOutput',
      out,
      trace,
      'e0d09ea492536664',
      2000,
      {
        channel: 'chat',
        recipient: 'psn:77aa01',
        content: 'You qualify.',
      },
      { sha256: sha('You qualify.') },
    ),
  ];
  const edges: LineageEdge[] = [
    edge('TRIGGERED_BY', run, up, trace, 0),
    ...chunkIds.map((id) => edge('RETRIEVED_FROM', mi2, id, trace, 1000)),
    edge('PRODUCED_BY', art1, mi1, trace, 400),
    edge('CONSUMED_BY', tool, mi2, trace, 1000, true),
    edge('CONSUMED_BY', art1, mi2, trace, 1000),
    ...(consumeChildOutput ? [edge('CONSUMED_BY', childOut, mi2, trace, 1000)] : []),
    edge('PRODUCED_BY', art2, mi2, trace, 1100),
    edge('CONTRIBUTED_TO', mi2, out, trace, 2000),
  ];
  const spans = [span(trace, '53995c3f42cd8ad8', 'run', true), span(trace, 'b7ad6b7169203331', 'retrieval')];
  return {
    graph: { runId: trace, nodes, edges, spans, danglingLinks: 0 },
    agentId: 'loan-agent',
    expected: [{ outputId: out, sources: sources(nodes, [...chunkIds, tool]) }],
  };
}

/** A sub-agent run spawned by the RAG run's planning invocation; its output feeds the parent. */
export function childRun(trace: string = TRACE.child, parentTrace: string = TRACE.rag): RunGraphFixture {
  const run = `run:${trace}`;
  const ds = [0, 1].map((n) => `ds:${trace}:1a2b3c4d5e6f7081:${n}`);
  const mi = `mi:${trace}:2b3c4d5e6f708192`;
  const out = `out:${trace}:3a4b5c6d7e8f9012`;
  const nodes: LineageNode[] = [
    node(
      'ExecutionRun',
      run,
      trace,
      '0f1e2d3c4b5a6978',
      500,
      {
        agentName: 'research-subagent',
        agentId: 'research-subagent',
        parentRunId: parentTrace,
      },
      { durationMs: 400 },
    ),
    ...ds.map((id, n) =>
      node(
        'DataSource',
        id,
        trace,
        '1a2b3c4d5e6f7081',
        520,
        {
          sourceId: `db:rates:row-${n}`,
          sourceKind: 'db_result',
          querySha256: sha('select * from rates'),
        },
        { sha256: sha(`rate row ${n}`) },
      ),
    ),
    node('ModelInvocation', mi, trace, '2b3c4d5e6f708192', 600, {
      provider: 'anthropic',
      modelVersion: 'claude-3-5-sonnet-20241022',
    }),
    node(
      'FinalOutput',
      out,
      trace,
      '3a4b5c6d7e8f9012',
      800,
      { channel: 'subagent' },
      { sha256: sha('rates are 4.1%') },
    ),
  ];
  const edges: LineageEdge[] = [
    edge('SPAWNED_BY', run, `mi:${parentTrace}:00f067aa0ba902b7`, trace, 500),
    ...ds.map((id) => edge('RETRIEVED_FROM', mi, id, trace, 600)),
    edge('CONTRIBUTED_TO', mi, out, trace, 800),
  ];
  return {
    graph: {
      runId: trace,
      nodes,
      edges,
      spans: [span(trace, '0f1e2d3c4b5a6978', 'run', true)],
      danglingLinks: 0,
    },
    agentId: 'research-subagent',
    expected: [{ outputId: out, sources: sources(nodes, ds) }],
  };
}

/** A run whose corrected output supersedes its first output. */
export function supersededRun(trace: string = TRACE.superseded): RunGraphFixture {
  const run = `run:${trace}`;
  const [ds0, ds1] = [`ds:${trace}:aa00000000000001:0`, `ds:${trace}:aa00000000000001:1`] as const;
  const mi1 = `mi:${trace}:aa00000000000002`;
  const mi2 = `mi:${trace}:aa00000000000004`;
  const oldOut = `out:${trace}:aa00000000000003`;
  const newOut = `out:${trace}:aa00000000000005`;
  const nodes: LineageNode[] = [
    node(
      'ExecutionRun',
      run,
      trace,
      'aa00000000000000',
      0,
      { agentName: 'support-bot', agentVersion: '2.0.1' },
      { durationMs: 9000 },
    ),
    node(
      'DataSource',
      ds0,
      trace,
      'aa00000000000001',
      50,
      { sourceKind: 'document', uri: 'https://docs.example/a' },
      { sha256: sha('doc a') },
    ),
    node(
      'DataSource',
      ds1,
      trace,
      'aa00000000000001',
      50,
      { sourceKind: 'api_response', uri: 'https://api.example/b' },
      { sha256: sha('api b') },
    ),
    node('ModelInvocation', mi1, trace, 'aa00000000000002', 100, {
      provider: 'openai',
      requestModel: 'gpt-4o-mini',
    }),
    node(
      'FinalOutput',
      oldOut,
      trace,
      'aa00000000000003',
      500,
      { channel: 'email' },
      { sha256: sha('draft answer') },
    ),
    node('ModelInvocation', mi2, trace, 'aa00000000000004', 4000, {
      provider: 'openai',
      requestModel: 'gpt-4o-mini',
    }),
    node(
      'FinalOutput',
      newOut,
      trace,
      'aa00000000000005',
      6000,
      { channel: 'email' },
      { sha256: sha('corrected answer') },
    ),
  ];
  const edges: LineageEdge[] = [
    edge('RETRIEVED_FROM', mi1, ds0, trace, 100),
    edge('CONTRIBUTED_TO', mi1, oldOut, trace, 500),
    edge('RETRIEVED_FROM', mi2, ds0, trace, 4000),
    edge('RETRIEVED_FROM', mi2, ds1, trace, 4000),
    edge('CONTRIBUTED_TO', mi2, newOut, trace, 6000),
    edge('SUPERSEDED_BY', oldOut, newOut, trace, 6000),
  ];
  return {
    graph: {
      runId: trace,
      nodes,
      edges,
      spans: [span(trace, 'aa00000000000000', 'run', true)],
      danglingLinks: 0,
    },
    agentId: 'support-bot',
    expected: [
      { outputId: oldOut, sources: sources(nodes, [ds0]) },
      // Revision is not contribution: the old draft's sources only count where they were used again.
      { outputId: newOut, sources: sources(nodes, [ds0, ds1]) },
    ],
  };
}

/**
 * A run understood from foreign (OpenInference-style) spans: every node and edge is
 * inferred; one data source contributed to the output directly; one link is dangling.
 */
export function inferredRun(trace: string = TRACE.inferred): RunGraphFixture {
  const run = `run:${trace}`;
  const ds = `ds:${trace}:bb00000000000001:0`;
  const dsDirect = `ds:${trace}:bb00000000000001:1`;
  const mi = `mi:${trace}:bb00000000000002`;
  const art = `art:${trace}:bb00000000000002`;
  const out = `out:${trace}:bb00000000000003`;
  const inf = { inferred: true } as const;
  const nodes: LineageNode[] = [
    node(
      'ExecutionRun',
      run,
      trace,
      'bb00000000000000',
      0,
      { agentName: 'langchain agent/../x', dialect: 'openinference' },
      inf,
    ),
    node(
      'DataSource',
      ds,
      trace,
      'bb00000000000001',
      10,
      { sourceKind: 'rag_chunk', ingestedAt: 'not a date' },
      { ...inf, sha256: sha('c0') },
    ),
    node(
      'DataSource',
      dsDirect,
      trace,
      'bb00000000000001',
      10,
      { sourceKind: 'rag_chunk', ingestedAt: Date.UTC(2026, 0, 2) },
      { ...inf, sha256: sha('c1') },
    ),
    node(
      'ModelInvocation',
      mi,
      trace,
      'bb00000000000002',
      20,
      { requestModel: 'llama-3-70b', pinned: false, dialect: 'openinference' },
      inf,
    ),
    node(
      'IntermediateArtifact',
      art,
      trace,
      'bb00000000000002',
      20,
      { artifactKind: 'model_output' },
      { ...inf, sha256: sha('a') },
    ),
    node('FinalOutput', out, trace, 'bb00000000000003', 30, {}, { ...inf, sha256: sha('a') }),
  ];
  const edges: LineageEdge[] = [
    edge('RETRIEVED_FROM', mi, ds, trace, 20, true),
    edge('PRODUCED_BY', art, mi, trace, 20, true),
    edge('CONTRIBUTED_TO', mi, out, trace, 30, true),
    edge('CONTRIBUTED_TO', dsDirect, out, trace, 30, true),
  ];
  return {
    graph: {
      runId: trace,
      nodes,
      edges,
      spans: [span(trace, 'bb00000000000000', 'run', true)],
      danglingLinks: 1,
    },
    agentId: 'langchain agent/../x',
    expected: [{ outputId: out, sources: sources(nodes, [ds, dsDirect]) }],
  };
}
