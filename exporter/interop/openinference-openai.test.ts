/**
 * Interoperability: `@arizeai/openinference-instrumentation-openai` (OpenInference
 * `llm.*` attributes) → agent-lineage, in-process and through the OTLP receiver.
 */
import { OpenAIInstrumentation } from '@arizeai/openinference-instrumentation-openai';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import * as openaiModule from 'openai';
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

describe('@arizeai/openinference-instrumentation-openai → lineage', () => {
  describeInteropLineage({
    scope: '@arizeai/openinference-instrumentation-openai',
    paths: ['in-process', 'receiver'],
    recordsDocuments: false,
    recordsToolCalls: false,
    async run(path) {
      const instrumentation = new OpenAIInstrumentation({ tracerProvider: path.provider });
      // The app is ESM (`import 'openai'`), which the loader hook does not see: patch the namespace by hand.
      // Its typings want the CommonJS module shape; the ESM namespace has the same classes it patches.
      instrumentation.manuallyInstrument(
        openaiModule as unknown as Parameters<typeof instrumentation.manuallyInstrument>[0],
      );
      const client = new openaiModule.OpenAI({ apiKey: 'sk-fake', baseURL: fake.baseURL, maxRetries: 0 });
      const result = await runOpenAiAgent(client, path.provider.getTracer('foreign-support-app'));
      return {
        run: { ...result, modelCalls: 2 },
        disable: () => {
          instrumentation.disable();
          expectUnpatched(openaiModule.OpenAI.Chat.Completions.prototype.create);
        },
      };
    },
  });
});
