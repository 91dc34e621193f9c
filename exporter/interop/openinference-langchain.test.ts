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
    gaps: {
      // OpenInference LangChain records the tool calls of the first output and of the fed-back
      // assistant message (llm.output_messages.0.message.tool_calls.0.tool_call.function.name /
      // .arguments, llm.input_messages.2.message.tool_calls.0.…) but no ids at all (no
      // tool_call.id, no llm.input_messages.3.message.tool_call_id), so only a content join can
      // chain the calls. read-span-facts.ts hashes request messages for `consumedContentSha256`
      // by their text only and skips empty text, so the assistant message (content "" + tool calls)
      // never matches the first call's output hash (canonical JSON of {role, content, tool_calls}).
      // Fix: also hash each request assistant message exactly as read-model.ts `outputOf` hashes an
      // output (messagesForHash of that one message) and add it to consumedContentSha256; the
      // existing content join in infer-edges.ts then yields CONSUMED_BY art(first) → second. (With
      // ids, as OpenInference OpenAI records them, an id join works too: see that test file.)
      'model-chain':
        'no tool-call ids recorded; the fed-back assistant message (content "" + tool_calls) is not hashed like an output, so the content join misses (read-span-facts.ts consumedContentSha256)',
    },
  });
});
