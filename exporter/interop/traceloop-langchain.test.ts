/**
 * Interoperability: `@traceloop/instrumentation-langchain` (OpenLLMetry callback handler,
 * OTel GenAI attributes) → agent-lineage, in-process and through the OTLP receiver.
 */
import { createRequire } from 'node:module';
import * as callbackManagerModule from '@langchain/core/callbacks/manager';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { LangChainInstrumentation } from '@traceloop/instrumentation-langchain';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { type FakeOpenAiServer, startFakeOpenAi } from '../../examples/fake-openai/server.js';
import { describeInteropLineage } from './test-support/interop-suite.js';
import { buildLangChainAgent, type LangChainAgent } from './test-support/langchain-agent.js';

const require = createRequire(import.meta.url);
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

/** What Traceloop's patch leaves on a CallbackManager class. */
interface PatchableCallbackManager {
  _configureSync: unknown;
  _traceloopPatched?: boolean;
}

/**
 * Traceloop 0.27 patches `CallbackManager._configureSync` of both the CommonJS and the ESM
 * build in its constructor (the ESM one asynchronously) and has no unpatch: `disable()` does
 * nothing. Remember the originals so the test can put them back itself.
 */
function callbackManagers(): PatchableCallbackManager[] {
  const cjs = require('@langchain/core/callbacks/manager') as typeof callbackManagerModule;
  return [
    callbackManagerModule.CallbackManager,
    cjs.CallbackManager,
  ] as unknown as PatchableCallbackManager[];
}

describe('@traceloop/instrumentation-langchain → lineage', () => {
  describeInteropLineage({
    scope: '@traceloop/instrumentation-langchain',
    paths: ['in-process', 'receiver'],
    // Traceloop's LangChain handler implements chat/LLM, chain and tool callbacks only: no
    // handleRetrieverStart/End, so retrievals and their documents are never recorded.
    recordsDocuments: false,
    recordsToolCalls: true,
    async run(path) {
      const managers = callbackManagers();
      const originals = managers.map((m) => m._configureSync);
      const instrumentation = new LangChainInstrumentation({ enabled: false });
      instrumentation.setTracerProvider(path.provider);
      // Patch the ESM class now rather than rely on the constructor's fire-and-forget import().
      instrumentation.manuallyInstrument({ callbackManagerModule });
      expect(managers.every((m) => m._traceloopPatched === true)).toBe(true);
      const result = await agent.run(path.provider.getTracer('foreign-support-app'));
      return {
        run: { ...result, modelCalls: 2 },
        disable: async () => {
          // Let the constructor's pending import() settle first: it must find the flag and skip.
          await new Promise((resolve) => setImmediate(resolve));
          managers.forEach((m, i) => {
            m._configureSync = originals[i];
            delete m._traceloopPatched;
          });
        },
      };
    },
    gaps: {
      // NOT fixable in the mapping: Traceloop's handleLLMEnd sets `gen_ai.response.model` from
      // llmOutput.model_name, which @langchain/openai 1.5.8 does not fill (its llmOutput has only
      // tokenUsage), so it falls back to the request alias "gpt-4o". The exact version exists only in
      // the AIMessage's response_metadata.model_name, which Traceloop never records (its
      // gen_ai.output.messages has text parts only). The mapping correctly flags the alias
      // (pinned=false). Needs an upstream fix in @traceloop/instrumentation-langchain
      // (read generations[i][j].message.response_metadata.model_name).
      'model-invocations':
        'gen_ai.response.model is the request alias "gpt-4o"; Traceloop never emits the version (upstream gap, not mappable)',
      // Traceloop's LangChain handler records neither the tool calls of an output (its
      // gen_ai.output.messages has one text part, here "") nor tool_call ids on request messages, so
      // no id join is possible (and infer-edges.ts has no invocation→invocation id join anyway,
      // see openinference-openai.test.ts). The empty text part is read as no output (read-model.ts
      // `outputOf`), so no artifact claims the hash of "" — asserted below.
      'model-chain':
        'no tool-call ids recorded (gen_ai.output.messages has only an empty text part); infer-edges.ts has no invocation→invocation join either',
      // Follows from model-chain: the tool-calling invocation's output is not recorded, so it has
      // no artifact and no edge (an orphan in completeness). An artifact hashed from the empty text
      // part would be the hash of "" and would falsely claim every empty output as its own.
      complete:
        'the first (tool-calling) invocation has no recorded output, hence no artifact and no edge: an orphan',
    },
  });
});
