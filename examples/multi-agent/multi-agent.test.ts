import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICY_CORPUS } from '../shared/policy-corpus.js';
import {
  type DatasourceOutputsView,
  itemsOfType,
  type JsonLdItem,
  type OutputSourcesView,
  type RunGraphView,
} from '../shared/test-support/api-views.js';
import { type LineageTestStack, startLineageTestStack } from '../shared/test-support/lineage-test-stack.js';
import { CLAIMS_CORPUS } from './claims-corpus.js';
import { type MultiAgentResult, runMultiAgent } from './run-multi-agent.js';

let stack: LineageTestStack;
let result: MultiAgentResult;
let graph: RunGraphView;

beforeAll(async () => {
  stack = await startLineageTestStack();
  result = await runMultiAgent({ openaiBaseURL: stack.fakeOpenAi.baseURL });
  await stack.settle();
  graph = await stack.getJson<RunGraphView>(`/lineage/runs/${result.runId}?format=graph`);
});

afterAll(async () => {
  await stack?.close();
});

const subAgent = (transport: 'http' | 'queue') => {
  const found = result.subAgents.find((s) => s.transport === transport);
  if (found === undefined) throw new Error(`no ${transport} sub-agent run`);
  return found;
};

describe('multi-agent lineage through the Lineage API', () => {
  it('runs two sub-agents, one over HTTP and one over the queue, each knowing its parent run from baggage', () => {
    expect(result.runId).toMatch(/^[0-9a-f]{32}$/);
    expect(result.childRunIds).toHaveLength(2);
    expect(new Set([result.runId, ...result.childRunIds]).size).toBe(3);
    expect(subAgent('http')).toMatchObject({ agentName: 'policy-agent', parentRunId: result.runId });
    expect(subAgent('queue')).toMatchObject({ agentName: 'claims-history-agent', parentRunId: result.runId });
    expect(result.output).toContain('using the tool results');
    expect(result.outputSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('records the orchestrator run: gpt-4o-2024-08-06 calls, one tool output per sub-agent, the final output', () => {
    expect(graph.danglingLinks).toBe(0);
    const run = graph.nodes.find((n) => n.kind === 'ExecutionRun');
    expect(run?.props).toMatchObject({ agentName: 'claims-orchestrator', trigger: 'api' });
    const chats = graph.nodes.filter((n) => n.kind === 'ModelInvocation');
    expect(chats).toHaveLength(2);
    for (const chat of chats) expect(chat.props.modelVersion).toBe('gpt-4o-2024-08-06');
    const toolOutputs = graph.nodes.filter((n) => n.kind === 'DataSource');
    expect(toolOutputs.map((n) => n.props.toolName).sort()).toEqual([
      'ask_claims_history_agent',
      'ask_policy_agent',
    ]);
    const outputs = graph.nodes.filter((n) => n.kind === 'FinalOutput');
    expect(outputs.map((o) => o.sha256)).toEqual([result.outputSha256]);
    expect(outputs[0]?.props.channel).toBe('email');
    expect(String(outputs[0]?.props.recipient)).toMatch(/^surrogate:[0-9a-f]{32,}$/); // serve keeps only random surrogates of subject pseudonyms (GDPR erasure)
  });

  it('links each sub-agent run spawned_by the orchestrator tool call that asked it', async () => {
    const toolSources = graph.nodes.filter((n) => n.kind === 'DataSource');
    for (const [transport, toolName] of [
      ['http', 'ask_policy_agent'],
      ['queue', 'ask_claims_history_agent'],
    ] as const) {
      const child = await stack.getJson<RunGraphView>(
        `/lineage/runs/${subAgent(transport).runId}?format=graph`,
      );
      expect(child.danglingLinks).toBe(0);
      const childRun = child.nodes.find((n) => n.kind === 'ExecutionRun');
      expect(childRun?.props).toMatchObject({ parentRunId: result.runId, trigger: 'agent' });
      const spawnedBy = child.edges.filter((e) => e.type === 'SPAWNED_BY');
      const toolSource = toolSources.find((n) => n.props.toolName === toolName);
      expect(spawnedBy).toContainEqual(expect.objectContaining({ from: childRun?.id, to: toolSource?.id }));
      const model = child.nodes.find((n) => n.kind === 'ModelInvocation' && n.props.operation === 'chat');
      expect(model?.props.modelVersion).toBe('gpt-4o-mini-2024-07-18');
      expect(child.nodes.filter((n) => n.kind === 'FinalOutput').map((n) => n.sha256)).toEqual([
        subAgent(transport).outputSha256,
      ]);
    }
  });

  it("backward lineage of the orchestrator's output reaches both sub-agents' documents, and nothing else", async () => {
    const back = await stack.getJson<OutputSourcesView>(`/lineage/outputs/${result.outputSha256}/sources`);
    expect(back.truncated).toBe(false);
    const chunks = back.sources.filter((s) => s.node.props.sourceKind === 'rag_chunk');
    const fromRun = (runId: string) =>
      chunks
        .filter((s) => s.node.runId === runId)
        .map((s) => String(s.node.props.sourceId))
        .sort();
    const http = subAgent('http');
    const queue = subAgent('queue');
    expect(fromRun(http.runId)).toEqual([...http.retrievedSourceIds].sort());
    expect(fromRun(queue.runId)).toEqual([...queue.retrievedSourceIds].sort());
    expect(chunks).toHaveLength(http.retrievedSourceIds.length + queue.retrievedSourceIds.length);
    for (const id of http.retrievedSourceIds) expect(POLICY_CORPUS.documents.map((d) => d.id)).toContain(id);
    for (const id of queue.retrievedSourceIds) expect(CLAIMS_CORPUS.documents.map((d) => d.id)).toContain(id);
    // Sub-agent sources sit deeper than the orchestrator's own tool outputs: found through the sub-runs.
    for (const chunk of chunks) expect(chunk.depth).toBeGreaterThan(2);
    const toolOutputs = back.sources.filter((s) => s.node.props.sourceKind === 'tool_output');
    expect(toolOutputs.map((s) => s.node.runId)).toEqual([result.runId, result.runId]);
    expect(back.sources).toHaveLength(chunks.length + toolOutputs.length);
  });

  it("forward lineage from a sub-agent's document reaches the orchestrator's output", async () => {
    for (const transport of ['http', 'queue'] as const) {
      const [sourceId] = subAgent(transport).retrievedSourceIds;
      const fwd = await stack.getJson<DatasourceOutputsView>(
        `/lineage/datasources/${encodeURIComponent(sourceId ?? '')}/outputs`,
      );
      const reached = fwd.items.map((i) => `${i.runId}:${i.outputSha256}`);
      expect(reached).toContain(`${result.runId}:${result.outputSha256}`);
      expect(reached).toContain(`${subAgent(transport).runId}:${subAgent(transport).outputSha256}`);
    }
  });

  it('serves the orchestrator and sub-agent runs as PROV-O JSON-LD', async () => {
    const res = await stack.get(`/lineage/runs/${result.runId}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/ld+json');
    const text = await res.text();
    expect(JSON.stringify((JSON.parse(text) as Record<string, unknown>)['@context'])).toContain(
      'http://www.w3.org/ns/prov#',
    );
    expect(text).toContain(result.outputSha256);
    for (const childRunId of result.childRunIds) {
      const child = await stack.get(`/lineage/runs/${childRunId}`);
      expect(child.status).toBe(200);
      // SPAWNED_BY becomes a prov:Start whose trigger is the orchestrator's tool output.
      const bundle = (await child.json()) as { '@graph': JsonLdItem[] };
      const starts = itemsOfType(bundle, 'prov:Start').filter((i) => i['lin:edgeType'] === 'SPAWNED_BY');
      expect(starts).toHaveLength(1);
      expect(String(starts[0]?.['lin:edgeId'])).toContain(`>ds:${result.runId}:`);
    }
  });
});
