/**
 * Interoperability: `@traceloop/instrumentation-openai` (OpenLLMetry) → agent-lineage,
 * in-process and through the OTLP receiver.
 */
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { OpenAIInstrumentation } from '@traceloop/instrumentation-openai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe } from 'vitest';
import { type FakeOpenAiServer, startFakeOpenAi } from '../../examples/fake-openai/server.js';
import { describeInteropLineage, expectUnpatched } from './test-support/interop-suite.js';
import { runOpenAiAgent } from './test-support/openai-agent.js';

let fake: FakeOpenAiServer;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  fake = await startFakeOpenAi();
});

afterAll(async () => {
  await fake.close();
  context.disable();
});

/** The part of the instrumentation's patch API the test uses (`unpatch` takes the module's exports). */
interface ManualPatch {
  manuallyInstrument(module: unknown): void;
  unpatch(moduleExports: { OpenAI: unknown }): void;
}

describe('@traceloop/instrumentation-openai → lineage', () => {
  describeInteropLineage({
    scope: '@traceloop/instrumentation-openai',
    paths: ['in-process', 'receiver'],
    recordsDocuments: false,
    recordsToolCalls: false,
    async run(path) {
      // Traceloop's defaults: content tracing on (traceContent), enrichTokens off.
      const instrumentation = new OpenAIInstrumentation({ enabled: false });
      instrumentation.setTracerProvider(path.provider);
      const manual = instrumentation as unknown as ManualPatch;
      // Traceloop's manual path takes the OpenAI class itself (DESIGN.md section 9).
      manual.manuallyInstrument(OpenAI);
      const client = new OpenAI({ apiKey: 'sk-fake', baseURL: fake.baseURL, maxRetries: 0 });
      const result = await runOpenAiAgent(client, path.provider.getTracer('foreign-support-app'));
      return {
        run: { ...result, modelCalls: 2 },
        disable: () => {
          manual.unpatch({ OpenAI });
          expectUnpatched(OpenAI.Chat.Completions.prototype.create);
        },
      };
    },
  });
});
