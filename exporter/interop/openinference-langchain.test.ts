/**
 * Interoperability: `@arizeai/openinference-instrumentation-langchain` (OpenInference
 * CHAIN/RETRIEVER/LLM/TOOL spans) → agent-lineage, in-process and through the OTLP receiver.
 */
import { LangChainInstrumentation } from '@arizeai/openinference-instrumentation-langchain';
import * as callbackManagerModule from '@langchain/core/callbacks/manager';
import { describe } from 'vitest';
import { describeInteropLineage, expectUnpatched } from './test-support/interop-suite.js';
import { useLangChainAgent } from './test-support/langchain-agent.js';

const app = useLangChainAgent();

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
      const result = await app.agent.run(path.provider.getTracer('foreign-support-app'));
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
