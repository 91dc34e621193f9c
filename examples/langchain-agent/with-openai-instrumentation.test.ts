/**
 * The setup the README recommends: our LangChain tracer and our OpenAI instrumentation both
 * on. Each ChatOpenAI call reaches the OpenAI client underneath; it must still be ONE
 * ModelInvocation (the LangChain span keeps it, the client patch leaves the same request to
 * it), while calls only the client sees — the retriever's query embedding — are recorded.
 */
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
import { completeReport } from '../../exporter/ports/graph-store.js';
import { LineageOpenAIInstrumentation } from '../../instrumentation/openai/index.js';
import { configureLineage, resetLineageConfig } from '../../src/index.js';
import { type FakeOpenAiServer, startFakeOpenAi } from '../fake-openai/server.js';
import { CORPUS } from './corpus.js';
import { runLangChainAgent } from './langchain-agent.js';

const OPENAI_SCOPE = 'agent-lineage/instrumentation-openai';

let fake: FakeOpenAiServer;
let dir: string;
let openai: LineageOpenAIInstrumentation;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  fake = await startFakeOpenAi();
  dir = await mkdtemp(join(tmpdir(), 'langchain-openai-instrumented-'));
  openai = new LineageOpenAIInstrumentation({ enabled: false });
  // @langchain/openai loads the ESM build of `openai` here, so that is the module to patch.
  expect(openai.instrument(await import('openai'))).toBe(true);
});

afterAll(async () => {
  openai.disable();
  await fake.close();
  resetLineageConfig();
  context.disable();
  propagation.disable();
  trace.disable();
  await rm(dir, { recursive: true, force: true });
});

describe('LangChain agent with our OpenAI instrumentation on too', () => {
  it('records each chat call once, keeps the client-only embedding call, and the graph stays complete', async () => {
    const { exporter, store } = await createLineageExporter({ dataDir: dir });
    const spans = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter), new SimpleSpanProcessor(spans)],
    });
    configureLineage({ tracerProvider: provider });
    openai.setTracerProvider(provider);
    try {
      const result = await runLangChainAgent({
        openaiBaseURL: fake.baseURL,
        question: 'When will I get my refund for order 42?',
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
      await provider.shutdown();
    }
  });
});
