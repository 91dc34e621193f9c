/**
 * Interoperability: `@arizeai/openinference-instrumentation-langchain` (OpenInference
 * CHAIN/RETRIEVER/LLM/TOOL spans) → agent-lineage, in-process and through the OTLP receiver.
 */
import { LangChainInstrumentation } from '@arizeai/openinference-instrumentation-langchain';
import * as callbackManagerModule from '@langchain/core/callbacks/manager';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, beforeAll, describe } from 'vitest';
import { type FakeOpenAiServer, startFakeOpenAi } from '../../examples/fake-openai/server.js';
import { describeInteropLineage, expectUnpatched } from './test-support/interop-suite.js';
import { buildLangChainAgent, type LangChainAgent } from './test-support/langchain-agent.js';

let fake: FakeOpenAiServer;
let agent: LangChainAgent;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  fake = await startFakeOpenAi();
  agent = await buildLangChainAgent(fake.baseURL);
});

afterAll(async () => {
  await fake.close();
  context.disable();
});

describe('@arizeai/openinference-instrumentation-langchain → lineage', () => {
  describeInteropLineage({
    scope: '@arizeai/openinference-instrumentation-langchain',
    paths: ['in-process', 'receiver'],
    recordsDocuments: true,
    recordsToolCalls: true,
    async run(path) {
      const instrumentation = new LangChainInstrumentation({
        instrumentationConfig: { enabled: false },
        tracerProvider: path.provider,
      });
      // ESM LangChain is not seen by the require hook: patch the callbacks manager namespace by hand.
      instrumentation.manuallyInstrument(callbackManagerModule);
      const result = await agent.run(path.provider.getTracer('foreign-support-app'));
      return {
        run: { ...result, modelCalls: 2 },
        disable: () => {
          // disable() only undoes patches its require hook applied; a manual patch needs unpatch (private in the typings).
          (instrumentation as unknown as { unpatch(module: unknown): void }).unpatch(callbackManagerModule);
          expectUnpatched(callbackManagerModule.CallbackManager._configureSync);
        },
      };
    },
  });
});
