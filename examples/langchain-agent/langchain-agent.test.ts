import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLineageExporter } from '../../exporter/create-lineage-exporter.js';
import type { LineageNode } from '../../exporter/model/lineage-record.js';
import { completeReport, type SourceHit } from '../../exporter/ports/graph-store.js';
import { LineageOpenAIInstrumentation } from '../../instrumentation/openai/index.js';
import { addKeyToFile } from '../../service/cli/create-key.js';
import { serveConfigSchema } from '../../service/cli/serve-config.js';
import { startServer } from '../../service/server/start-server.js';
import { configureLineage, resetLineageConfig } from '../../src/index.js';
import { type FakeOpenAiServer, startFakeOpenAi } from '../fake-openai/server.js';
import { CORPUS, CORPUS_INDEX_VERSION } from './corpus.js';
import { runLangChainAgent } from './langchain-agent.js';

const QUESTION = 'When will I get my refund for order 42?';
const OPENAI_SCOPE = 'agent-lineage/instrumentation-openai';

let fake: FakeOpenAiServer;
let dir: string;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  fake = await startFakeOpenAi();
  dir = await mkdtemp(join(tmpdir(), 'langchain-agent-test-'));
});

afterAll(async () => {
  await fake.close();
  resetLineageConfig();
  context.disable();
  propagation.disable();
  trace.disable();
  await rm(dir, { recursive: true, force: true });
});

/** Checks that every retrieved corpus chunk reached by backward lineage carries its recorded provenance. */
function expectCorpusSources(sources: readonly Pick<SourceHit, 'node'>[]): string[] {
  const chunks = sources.filter((s) => s.node.props.sourceKind === 'rag_chunk');
  for (const { node } of chunks) {
    const entry = CORPUS.find((c) => c.id === node.props.sourceId);
    expect(entry, `unknown chunk ${String(node.props.sourceId)}`).toBeDefined();
    expect(node.props).toMatchObject({
      uri: entry?.source,
      ingestedAt: entry?.ingestedAt,
      indexVersion: CORPUS_INDEX_VERSION,
    });
  }
  return chunks.map((s) => String(s.node.props.sourceId)).sort();
}

/**
 * The setup the README recommends: our LangChain tracer and our OpenAI instrumentation both
 * on. Each ChatOpenAI call reaches the OpenAI client underneath; it must still be ONE
 * ModelInvocation (the LangChain span keeps it, the client patch leaves the same request to
 * it), while calls only the client sees — the retriever's query embedding — are recorded.
 * Declared first: the OTLP test below sets up and shuts down its own global tracing.
 */
describe('LangChain agent with our OpenAI instrumentation on too', () => {
  it('records each chat call once, keeps the client-only embedding call, and the graph stays complete', async () => {
    const openai = new LineageOpenAIInstrumentation({ enabled: false });
    // @langchain/openai loads the ESM build of `openai` here, so that is the module to patch.
    expect(openai.instrument(await import('openai'))).toBe(true);
    const { exporter, store } = await createLineageExporter({ dataDir: join(dir, 'both-instrumented') });
    const spans = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter), new SimpleSpanProcessor(spans)],
    });
    configureLineage({ tracerProvider: provider });
    openai.setTracerProvider(provider);
    try {
      const result = await runLangChainAgent({
        openaiBaseURL: fake.baseURL,
        question: QUESTION,
      });
      await provider.forceFlush();

      const inRun = spans.getFinishedSpans().filter((s) => s.spanContext().traceId === result.runId);
      const clientSpans = inRun.filter((s) => s.instrumentationScope.name === OPENAI_SCOPE);
      // The client patch is live (it recorded the query embedding) but recorded no chat call.
      expect(clientSpans.map((s) => s.attributes['gen_ai.operation.name'])).toEqual(['embeddings']);
      const langChainChats = inRun.filter(
        (s) =>
          s.instrumentationScope.name !== OPENAI_SCOPE && s.attributes['gen_ai.operation.name'] === 'chat',
      );
      expect(langChainChats).toHaveLength(2);

      const nodes = (await store.getRun(result.runId))?.nodes ?? [];
      const invocations = nodes.filter((n): n is LineageNode => n.kind === 'ModelInvocation');
      const chats = invocations.filter((n) => n.props.operation === 'chat');
      expect(chats.map((n) => n.spanId).sort()).toEqual(
        langChainChats.map((s) => s.spanContext().spanId).sort(),
      );
      for (const mi of chats)
        expect(mi.props).toMatchObject({ modelVersion: 'gpt-4o-2024-08-06', pinned: true });
      expect(invocations.filter((n) => n.props.operation === 'embeddings')).toHaveLength(1);
      expect(nodes.filter((n) => n.kind === 'FinalOutput').map((n) => n.sha256)).toEqual([
        result.outputSha256,
      ]);

      const lineage = await store.backwardLineage(result.outputSha256);
      const chunks = lineage.sources
        .filter((s) => s.node.props.sourceKind === 'rag_chunk')
        .map((s) => String(s.node.props.sourceId))
        .sort();
      expect(chunks).toEqual([...result.retrievedSourceIds].sort());
      expect(chunks.every((id) => CORPUS.some((c) => c.id === id))).toBe(true);
      expect(lineage.sources.filter((s) => s.node.props.sourceKind === 'tool_output')).toHaveLength(1);

      expect(await store.completeness({ runIds: [result.runId] })).toEqual(completeReport(1));
    } finally {
      openai.disable();
      await provider.shutdown();
    }
  });
});

describe('LangChain agent example', () => {
  it('records a lineage graph whose backward lineage reaches the retrieved corpus chunks and the tool result', async () => {
    const { exporter, store } = await createLineageExporter({ dataDir: join(dir, 'in-process') });
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    configureLineage({ tracerProvider: provider });
    try {
      const result = await runLangChainAgent({ openaiBaseURL: fake.baseURL, question: QUESTION });
      await provider.forceFlush();
      expect(result.output).toMatch(
        /^Answer to "When will I get my refund for order 42\?" using the tool results/,
      );

      const run = await store.getRun(result.runId);
      expect(run).toBeDefined();
      const nodes = run?.nodes ?? [];
      const byKind = (kind: LineageNode['kind']) => nodes.filter((n) => n.kind === kind);
      expect(byKind('ExecutionRun').map((n) => n.props.agentName)).toEqual(['langchain-support-agent']);
      const invocations = byKind('ModelInvocation');
      expect(invocations).toHaveLength(2);
      for (const mi of invocations) {
        expect(mi.props).toMatchObject({
          provider: 'openai',
          requestModel: 'gpt-4o',
          modelVersion: 'gpt-4o-2024-08-06',
          pinned: true,
        });
        expect(mi.props.inputTokens).toBeGreaterThan(0);
      }
      expect(byKind('FinalOutput').map((n) => n.sha256)).toEqual([result.outputSha256]);
      const retrieved = byKind('DataSource')
        .filter((n) => n.props.sourceKind === 'rag_chunk')
        .map((n) => String(n.props.sourceId))
        .sort();
      expect(retrieved).toHaveLength(2);
      expect([...result.retrievedSourceIds].sort()).toEqual(retrieved);
      expect(result.toolCallIds).toHaveLength(1);

      const lineage = await store.backwardLineage(result.outputSha256);
      expect(lineage.outputs.map((o) => o.runId)).toEqual([result.runId]);
      expect(expectCorpusSources(lineage.sources)).toEqual(retrieved);
      const toolOutputs = lineage.sources.filter((s) => s.node.props.sourceKind === 'tool_output');
      expect(toolOutputs).toHaveLength(1);
      expect(toolOutputs[0]?.node.props.sourceId).toBe(result.toolCallIds[0]);

      const completeness = await store.completeness({ runIds: [result.runId] });
      expect(completeness).toEqual(completeReport(1));
    } finally {
      await provider.shutdown();
    }
  });

  it('answers GET /lineage/outputs/{hash}/sources through the real server after OTLP/HTTP protobuf export (the demo path)', async () => {
    const authFile = join(dir, 'keys.json');
    const token = addKeyToFile(authFile, { id: 'compliance-test', role: 'compliance' });
    const server = await startServer(
      serveConfigSchema.parse({
        dataDir: join(dir, 'served'),
        host: '127.0.0.1',
        otlpGrpcPort: 0,
        otlpHttpPort: 0,
        apiPort: 0,
        authFile,
      }),
    );
    try {
      // As the demo calls it: the run sets up OTLP/proto tracing to the receiver and flushes it.
      const result = await runLangChainAgent({
        openaiBaseURL: fake.baseURL,
        question: QUESTION,
        otlpUrl: `${server.otlpHttpUrl}/v1/traces`,
      });

      const url = `${server.apiUrl}/lineage/outputs/${result.outputSha256}/sources`;
      const unauthorised = await fetch(url);
      expect(unauthorised.status).toBe(401);
      const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { outputSha256: string; sources: Pick<SourceHit, 'node'>[] };
      expect(body.outputSha256).toBe(result.outputSha256);
      expect(expectCorpusSources(body.sources)).toHaveLength(2);
      expect(body.sources.some((s) => s.node.props.sourceKind === 'tool_output')).toBe(true);
    } finally {
      await server.close();
    }
  });
});
