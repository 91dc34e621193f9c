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
import { type RagAgentResult, runRagAgent } from './run-rag-agent.js';

const QUESTION = 'Is water damage from a burst pipe covered, and how fast must I report it?';

let stack: LineageTestStack;
let result: RagAgentResult;
let graph: RunGraphView;

beforeAll(async () => {
  stack = await startLineageTestStack();
  result = await runRagAgent({ openaiBaseURL: stack.fakeOpenAi.baseURL, question: QUESTION });
  await stack.settle();
  graph = await stack.getJson<RunGraphView>(`/lineage/runs/${result.runId}?format=graph`);
});

afterAll(async () => {
  await stack?.close();
});

const ofKind = (kind: string) => graph.nodes.filter((n) => n.kind === kind);

describe('RAG agent lineage through the Lineage API', () => {
  it('answers with the real openai client against the fake model, after one tool call', () => {
    expect(result.runId).toMatch(/^[0-9a-f]{32}$/);
    expect(result.output).toContain('using the tool results');
    expect(result.outputSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(result.retrievedSourceIds).toHaveLength(3);
    expect(result.toolCallIds).toHaveLength(1);
    const paths = stack.fakeOpenAi.requests.map((r) => r.path);
    expect(paths).toEqual([
      '/v1/embeddings',
      '/v1/embeddings',
      '/v1/chat/completions',
      '/v1/chat/completions',
    ]);
  });

  it('records the run graph: run, exact model versions, chunks with index version, tool output, final output', () => {
    expect(graph.runId).toBe(result.runId);
    expect(graph.danglingLinks).toBe(0);
    expect(graph.finalisation?.archiveKey).toContain(result.runId);

    const [run] = ofKind('ExecutionRun');
    expect(run?.props).toMatchObject({
      agentName: 'policy-rag-agent',
      agentVersion: '1.0.0',
      trigger: 'user',
    });
    expect(String(run?.props.actor)).toMatch(/^surrogate:[0-9a-f]{32,}$/); // serve keeps only random surrogates of subject pseudonyms (GDPR erasure)

    const chats = ofKind('ModelInvocation').filter((n) => n.props.operation === 'chat');
    expect(chats).toHaveLength(2);
    for (const chat of chats) {
      expect(chat.props).toMatchObject({
        requestModel: 'gpt-4o',
        modelVersion: 'gpt-4o-2024-08-06',
        pinned: true,
      });
    }
    const embeddings = ofKind('ModelInvocation').filter((n) => n.props.operation === 'embeddings');
    expect(embeddings.map((n) => n.props.modelVersion)).toEqual(['text-embedding-3-small']);

    const chunks = ofKind('DataSource').filter((n) => n.props.sourceKind === 'rag_chunk');
    expect(chunks.map((n) => n.props.sourceId).sort()).toEqual([...result.retrievedSourceIds].sort());
    for (const chunk of chunks) {
      const doc = POLICY_CORPUS.documents.find((d) => d.id === chunk.props.sourceId);
      expect(chunk.props).toMatchObject({ uri: doc?.uri, indexVersion: POLICY_CORPUS.indexVersion });
      expect(Date.parse(String(chunk.props.ingestedAt))).toBe(Date.parse(doc?.ingestedAt ?? ''));
      expect(typeof chunk.props.score).toBe('number');
    }
    const tools = ofKind('DataSource').filter((n) => n.props.sourceKind === 'tool_output');
    expect(tools.map((n) => n.props.toolCallId)).toEqual([...result.toolCallIds]);
    // lineage.tool.version is on the span but the exporter copies only name and call id to event-recorded sources.
    expect(tools[0]?.props).toMatchObject({ toolName: 'lookup_policy_terms' });

    const outputs = ofKind('FinalOutput');
    expect(outputs).toHaveLength(1);
    expect(outputs[0]?.sha256).toBe(result.outputSha256);
    expect(outputs[0]?.props.channel).toBe('chat_ui');
    expect(String(outputs[0]?.props.recipient)).toMatch(/^surrogate:[0-9a-f]{32,}$/); // serve keeps only random surrogates of subject pseudonyms (GDPR erasure)
  });

  it('links the answer to the final model call, and that call to the chunks and the tool output', () => {
    const edges = (type: string) => graph.edges.filter((e) => e.type === type);
    const output = ofKind('FinalOutput')[0];
    const [contributor] = edges('CONTRIBUTED_TO').filter((e) => e.to === output?.id);
    // Declared by recordOutput({ inputs }), so recorded rather than inferred.
    expect(contributor?.inferred).toBe(false);
    const finalCall = graph.nodes.find((n) => n.id === contributor?.from);
    expect(finalCall?.props.modelVersion).toBe('gpt-4o-2024-08-06');
    const chunkIds = new Set(
      ofKind('DataSource')
        .filter((n) => n.props.sourceKind === 'rag_chunk')
        .map((n) => n.id),
    );
    const readByFinal = edges('RETRIEVED_FROM').filter((e) => e.from === finalCall?.id && chunkIds.has(e.to));
    expect(readByFinal).toHaveLength(result.retrievedSourceIds.length);
    const toolSource = ofKind('DataSource').find((n) => n.props.sourceKind === 'tool_output');
    expect(edges('CONSUMED_BY')).toContainEqual(
      expect.objectContaining({ from: toolSource?.id, to: finalCall?.id }),
    );
  });

  it('backward lineage of the answer is exactly the retrieved chunks and the tool output', async () => {
    const back = await stack.getJson<OutputSourcesView>(`/lineage/outputs/${result.outputSha256}/sources`);
    expect(back.truncated).toBe(false);
    expect(back.outputs.map((o) => o.runId)).toEqual([result.runId]);
    const bySourceKind = (kind: string) =>
      back.sources
        .filter((s) => s.node.props.sourceKind === kind)
        .map((s) => String(s.node.props.sourceId))
        .sort();
    expect(bySourceKind('rag_chunk')).toEqual([...result.retrievedSourceIds].sort());
    expect(bySourceKind('tool_output')).toEqual([...result.toolCallIds].sort());
    expect(back.sources).toHaveLength(result.retrievedSourceIds.length + result.toolCallIds.length);
    // Chunks the retriever did not return must not appear: the walk follows recorded edges only.
    const notRetrieved = POLICY_CORPUS.documents
      .map((d) => d.id)
      .filter((id) => !result.retrievedSourceIds.includes(id));
    expect(back.sources.some((s) => notRetrieved.includes(String(s.node.props.sourceId)))).toBe(false);
  });

  it('forward lineage from each retrieved chunk reaches the answer', async () => {
    for (const sourceId of result.retrievedSourceIds) {
      const fwd = await stack.getJson<DatasourceOutputsView>(
        `/lineage/datasources/${encodeURIComponent(sourceId)}/outputs`,
      );
      expect(fwd.items).toContainEqual(
        expect.objectContaining({ runId: result.runId, outputSha256: result.outputSha256 }),
      );
    }
  });

  it('serves the run as PROV-O JSON-LD: output entity, model activities, chunk entities, no content', async () => {
    const res = await stack.get(`/lineage/runs/${result.runId}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/ld+json');
    const text = await res.text();
    const bundle = JSON.parse(text) as { '@context': unknown; '@graph': JsonLdItem[] };
    expect(JSON.stringify(bundle['@context'])).toContain('http://www.w3.org/ns/prov#');
    const [output] = itemsOfType(bundle, 'lin:FinalOutput');
    expect(output?.['@type']).toContain('prov:Entity');
    expect(output?.['lin:sha256']).toBe(result.outputSha256);
    const calls = itemsOfType(bundle, 'lin:ModelInvocation');
    expect(calls.every((c) => (c['@type'] as string[]).includes('prov:Activity'))).toBe(true);
    expect(calls.map((c) => c['lin:modelVersion'])).toContain('gpt-4o-2024-08-06');
    const chunkIds = itemsOfType(bundle, 'lin:DataSource')
      .filter((d) => d['lin:sourceKind'] === 'rag_chunk')
      .map((d) => d['lin:sourceId']);
    expect(chunkIds.sort()).toEqual([...result.retrievedSourceIds].sort());
    expect(text).not.toContain(POLICY_CORPUS.documents[0]?.text);
  });
});
