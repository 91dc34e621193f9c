/**
 * The README's "Keep the instrumentation you already use" set-up, as written there:
 * createLineageExporter's span and log exporters under the SDK's batch processors, and the
 * official OpenAI instrumentation with captureMessageContent. The run must end up with a
 * FinalOutput carrying the answer's hash, and no message text in the store.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type OpenAIModule from 'openai';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type FakeOpenAiServer, startFakeOpenAi } from '../examples/fake-openai/server.js';
import { createLineageExporter } from './create-lineage-exporter.js';
import { runOpenAiAgent } from './interop/test-support/openai-agent.js';

const require = createRequire(import.meta.url);
let fake: FakeOpenAiServer;
let dir: string;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  fake = await startFakeOpenAi();
  dir = await mkdtemp(join(tmpdir(), 'lineage-readme-logs-'));
});

afterAll(async () => {
  await fake.close();
  context.disable();
  await rm(dir, { recursive: true, force: true });
});

it('official OpenAI instrumentation + createLineageExporter span and log exporters → FinalOutput with the answer hash', async () => {
  const { exporter, logExporter, store } = await createLineageExporter({ dataDir: dir, settleMs: 0 });
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
  const loggerProvider = new LoggerProvider({
    processors: [new BatchLogRecordProcessor({ exporter: logExporter })],
  });
  const instrumentation = new OpenAIInstrumentation({ captureMessageContent: true });
  const unregister = registerInstrumentations({
    instrumentations: [instrumentation],
    tracerProvider,
    loggerProvider,
  });
  try {
    const openai = require('openai') as typeof OpenAIModule;
    const client = new openai.OpenAI({ apiKey: 'sk-fake', baseURL: fake.baseURL, maxRetries: 0 });
    const run = await runOpenAiAgent(client, tracerProvider.getTracer('support-app'));
    await loggerProvider.forceFlush();
    // Spans durable, then one finalisation pass (settle window 0).
    await tracerProvider.forceFlush();
    await exporter.forceFlush();

    const graph = await store.getRun(run.runId);
    expect(graph?.finalisation).toBeDefined();
    expect(graph?.nodes.filter((n) => n.kind === 'FinalOutput').map((n) => n.sha256)).toEqual([
      run.answerSha256,
    ]);
    const back = await store.backwardLineage(run.answerSha256);
    expect(back.outputs.map((o) => o.runId)).toEqual([run.runId]);
    expect(JSON.stringify(graph)).not.toContain(run.answer);
  } finally {
    unregister();
    instrumentation.disable();
    await loggerProvider.shutdown();
    await tracerProvider.shutdown();
  }
});
