/**
 * Interoperability: Traceloop's default deployment of a LangChain app on OpenAI — the SDK's
 * `initialize()` turns on both `@traceloop/instrumentation-langchain` and
 * `@traceloop/instrumentation-openai` — → agent-lineage, in-process and through the OTLP receiver.
 *
 * Each model call is then recorded twice: LangChain's chat span (request alias, no tool calls)
 * and, starting inside its time window, the OpenAI client's chat span (exact version, usage, tool calls
 * and ids). Neither is the other's parent: Traceloop's LangChain spans never become the active
 * context, so both hang under the app's span. The mapping holds LangChain's invocation back and
 * lets the provider span stand for the call (exporter/mapping/README.md, "Framework-level model
 * spans"), which closes all three gaps of traceloop-langchain.test.ts.
 */

import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { OpenAIInstrumentation } from '@traceloop/instrumentation-openai';
import OpenAI from 'openai';
import { describe, expect } from 'vitest';
import { FAKE_MODEL_VERSION } from './test-support/interop-corpus.js';
import { describeInteropLineage, expectUnpatched } from './test-support/interop-suite.js';
import { useLangChainAgent } from './test-support/langchain-agent.js';
import { patchTraceloopLangChain } from './test-support/traceloop-langchain-patch.js';

const LANGCHAIN_SCOPE = '@traceloop/instrumentation-langchain';
const OPENAI_SCOPE = '@traceloop/instrumentation-openai';

const app = useLangChainAgent();

/** The part of the OpenAI instrumentation's patch API the test uses (`unpatch` takes the module's exports). */
interface ManualPatch {
  manuallyInstrument(module: unknown): void;
  unpatch(moduleExports: { OpenAI: unknown }): void;
}

function chatSpans(spans: readonly ReadableSpan[], scope: string): ReadableSpan[] {
  return spans
    .filter((s) => s.instrumentationScope.name === scope && s.attributes['gen_ai.operation.name'] === 'chat')
    .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
}

const ms = (t: readonly [number, number]) => t[0] * 1000 + t[1] / 1e6;

/** What the combined configuration emits: the premises of the mapping's framework-level rule. */
function assertEmitted(spans: readonly ReadableSpan[]): void {
  const root = spans.find((s) => s.parentSpanContext === undefined);
  const langchain = chatSpans(spans, LANGCHAIN_SCOPE);
  const openai = chatSpans(spans, OPENAI_SCOPE);
  expect(langchain).toHaveLength(2);
  expect(openai).toHaveLength(2);
  langchain.forEach((lc, i) => {
    const oa = openai[i] as ReadableSpan;
    // Siblings under the app's span; the provider call starts inside LangChain's window.
    expect(lc.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
    expect(oa.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
    expect(ms(oa.startTime)).toBeGreaterThanOrEqual(ms(lc.startTime) - 1);
    expect(ms(oa.startTime)).toBeLessThanOrEqual(ms(lc.endTime));
    // Same usage; only the provider span has the exact version.
    expect(oa.attributes['gen_ai.usage.input_tokens']).toBe(lc.attributes['gen_ai.usage.input_tokens']);
    expect(oa.attributes['gen_ai.usage.output_tokens']).toBe(lc.attributes['gen_ai.usage.output_tokens']);
    expect(lc.attributes['gen_ai.response.model']).toBe('gpt-4o');
    expect(oa.attributes['gen_ai.response.model']).toBe(FAKE_MODEL_VERSION);
  });
  // The tool calls (with ids) are only in the provider span's output.
  expect(String(openai[0]?.attributes['gen_ai.output.messages'])).toContain('"type":"tool_call"');
  expect(String(langchain[0]?.attributes['gen_ai.output.messages'])).not.toContain('"type":"tool_call"');
}

describe('@traceloop/instrumentation-langchain + @traceloop/instrumentation-openai → lineage', () => {
  describeInteropLineage({
    scope: LANGCHAIN_SCOPE,
    paths: ['in-process', 'receiver'],
    // Neither records retrievals: LangChain's handler has no retriever callbacks, and the OpenAI
    // instrumentation does not patch embeddings.
    recordsDocuments: false,
    recordsToolCalls: true,
    emitted: {
      title:
        'each model call is a LangChain chat span (alias) and, starting inside its window, a sibling OpenAI chat span (version, tool calls)',
      check: assertEmitted,
    },
    async run(path) {
      const restoreLangChain = patchTraceloopLangChain(path.provider);
      // Traceloop's defaults: content tracing on (traceContent), enrichTokens off.
      const openai = new OpenAIInstrumentation({ enabled: false });
      openai.setTracerProvider(path.provider);
      const manual = openai as unknown as ManualPatch;
      // @langchain/openai calls the ESM `openai` client, the class imported here.
      manual.manuallyInstrument(OpenAI);
      const result = await app.agent.run(path.provider.getTracer('foreign-support-app'));
      return {
        run: { ...result, modelCalls: 2 },
        disable: async () => {
          manual.unpatch({ OpenAI });
          expectUnpatched(OpenAI.Chat.Completions.prototype.create);
          await restoreLangChain();
        },
      };
    },
  });
});
