/**
 * Interoperability: the official `@opentelemetry/instrumentation-openai` (OTel GenAI
 * semconv, message content only in log records) → agent-lineage, in-process
 * (LineageSpanExporter + LineageLogRecordExporter) and through the OTLP receiver
 * (`/v1/traces` + `/v1/logs`).
 */
import { createRequire } from 'node:module';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import type OpenAIModule from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAiServer, startFakeOpenAi } from '../../examples/fake-openai/server.js';
import { describeInteropLineage, expectUnpatched } from './test-support/interop-suite.js';
import { type LineagePath, startLineagePath } from './test-support/lineage-paths.js';
import { type OpenAiAgentResult, runOpenAiAgent } from './test-support/openai-agent.js';

const require = createRequire(import.meta.url);
let fake: FakeOpenAiServer;
// One instance for the file: it patches globally, and only an instance that saw the module load can re-patch it.
const instrumentation = new OpenAIInstrumentation({ enabled: false });

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  fake = await startFakeOpenAi();
});

afterAll(async () => {
  await fake.close();
  context.disable();
});

describe('@opentelemetry/instrumentation-openai with captureMessageContent → lineage (spans + log records)', () => {
  describeInteropLineage({
    scope: '@opentelemetry/instrumentation-openai',
    paths: ['in-process', 'receiver'],
    recordsDocuments: false,
    recordsToolCalls: false,
    async run(path) {
      // setConfig replaces the whole config; keep enabled=false so registerInstrumentations enables (patches) it.
      instrumentation.setConfig({ captureMessageContent: true, enabled: false });
      // registerInstrumentations sets the providers and enables: the first time it installs the
      // require hook that patches the CommonJS `openai` required below; later times it re-patches
      // the module it already saw (the hook does not fire again for a cached module). It hands the
      // instrumentation a logger provider (the global no-op one unless given), so the app's goes here.
      const unregister = registerInstrumentations({
        instrumentations: [instrumentation],
        tracerProvider: path.provider,
        loggerProvider: path.loggerProvider,
      });
      const openai = require('openai') as typeof OpenAIModule;
      const client = new openai.OpenAI({ apiKey: 'sk-fake', baseURL: fake.baseURL, maxRetries: 0 });
      const result = await runOpenAiAgent(client, path.provider.getTracer('foreign-support-app'));
      return {
        run: { ...result, modelCalls: 2 },
        disable: () => {
          unregister();
          instrumentation.setConfig({ captureMessageContent: false, enabled: false });
          expectUnpatched(openai.OpenAI.Chat.Completions.prototype.create);
        },
      };
    },
  });
});

/**
 * Without captureMessageContent the official instrumentation logs message events with no
 * content (only tool-call ids and names), so there is nothing to hash: the graph has the
 * invocations with model versions and token counts, and no FinalOutput. This is the
 * instrumentation's documented default; the README says to turn content capture on (content
 * still stays out of the graph unless agent-lineage's own capture is on).
 */
describe.each(['in-process', 'receiver'] as const)(
  '@opentelemetry/instrumentation-openai without content capture, through the %s path',
  (pathName) => {
    let path: LineagePath;
    let run: OpenAiAgentResult;
    let unregister: (() => void) | undefined;

    beforeAll(async () => {
      path = await startLineagePath(pathName);
      unregister = registerInstrumentations({
        instrumentations: [instrumentation],
        tracerProvider: path.provider,
        loggerProvider: path.loggerProvider,
      });
      const openai = require('openai') as typeof OpenAIModule;
      const client = new openai.OpenAI({ apiKey: 'sk-fake', baseURL: fake.baseURL, maxRetries: 0 });
      run = await runOpenAiAgent(client, path.provider.getTracer('foreign-support-app'));
      await path.finalise();
    });

    afterAll(async () => {
      unregister?.();
      await path?.close();
    });

    it('keeps the invocations with exact model versions and token counts, hashes nothing, and reports the missing FinalOutput', async () => {
      const graph = await path.runGraph(run.runId);
      expect(graph?.finalised).toBe(true);
      const invocations = graph?.nodes.filter((n) => n.kind === 'ModelInvocation') ?? [];
      expect(invocations).toHaveLength(2);
      for (const mi of invocations) {
        expect(mi.props.modelVersion).toMatch(/\d{4}-\d{2}-\d{2}$/);
        expect(mi.props.inputTokens).toBeGreaterThan(0);
        expect(mi.props.outputSha256).toBeUndefined();
        expect(mi.props.inputSha256).toBeUndefined();
      }
      expect(graph?.nodes.filter((n) => n.kind === 'FinalOutput')).toEqual([]);
      if (path.completeness) {
        expect((await path.completeness(run.runId)).runsWithoutFinalOutput).toEqual([run.runId]);
      }
      if (path.logStatuses) {
        // The content-free events are still accepted (and their tool-call ids kept for joins).
        expect(path.logStatuses.length).toBeGreaterThan(0);
        expect(path.logStatuses.filter((status) => !status.ok)).toEqual([]);
      }
    });
  },
);
