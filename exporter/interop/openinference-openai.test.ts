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
    gaps: {
      // exporter/mapping/infer-edges.ts joins tool-call ids only to *tool spans* (step 1,
      // `feeders` with a toolCallId). Nothing joins a later request to the earlier invocation whose
      // output issued those tool calls, so the first call's IntermediateArtifact (its tool calls)
      // is PRODUCED_BY only and never CONSUMED_BY the answering call. Fix: keep the ids of
      // tool calls an invocation's output issued on its SpanRecord (read-span-facts.ts, from
      // messages.output[].toolCalls[].id), count assistant `toolCalls` ids of the request as
      // consumed too, and in inferRun add CONSUMED_BY art(p) → m for an earlier invocation p whose
      // issued ids m's request carries.
      'model-chain':
        'ids are recorded (llm.output_messages.0.message.tool_calls.0.tool_call.id, llm.input_messages.3.message.tool_call_id) but infer-edges.ts never joins them to an earlier invocation',
    },
  });
});
