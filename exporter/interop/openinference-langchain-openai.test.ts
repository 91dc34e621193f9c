/**
 * Interoperability: `@arizeai/openinference-instrumentation-langchain` together with
 * `@arizeai/openinference-instrumentation-openai` (as Phoenix's auto-instrumentation sets it
 * up) → agent-lineage, in-process and through the OTLP receiver.
 *
 * Each chat call is recorded twice: LangChain's LLM span under its chain span, and the OpenAI
 * client's LLM span under the app's span (OpenInference's LangChain spans never become the
 * active context either), starting inside the LangChain span's time window. The mapping lets the
 * provider span stand for the call (exporter/mapping/README.md, "Framework-level model spans").
 * The OpenAI instrumentation also records the retriever's query embedding.
 */
import { LangChainInstrumentation } from '@arizeai/openinference-instrumentation-langchain';
import { OpenAIInstrumentation } from '@arizeai/openinference-instrumentation-openai';
import * as callbackManagerModule from '@langchain/core/callbacks/manager';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import * as openaiModule from 'openai';
import { describe, expect } from 'vitest';
import { describeInteropLineage, expectUnpatched } from './test-support/interop-suite.js';
import { useLangChainAgent } from './test-support/langchain-agent.js';

const LANGCHAIN_SCOPE = '@arizeai/openinference-instrumentation-langchain';
const OPENAI_SCOPE = '@arizeai/openinference-instrumentation-openai';

const app = useLangChainAgent();

const ms = (t: readonly [number, number]) => t[0] * 1000 + t[1] / 1e6;

function llmSpans(spans: readonly ReadableSpan[], scope: string): ReadableSpan[] {
  return spans
    .filter((s) => s.instrumentationScope.name === scope && s.attributes['openinference.span.kind'] === 'LLM')
    .sort((a, b) => ms(a.startTime) - ms(b.startTime));
}

/** What the combined configuration emits: the premises of the mapping's framework-level rule. */
function assertEmitted(spans: readonly ReadableSpan[]): void {
  const root = spans.find((s) => s.parentSpanContext === undefined);
  const langchain = llmSpans(spans, LANGCHAIN_SCOPE);
  const openai = llmSpans(spans, OPENAI_SCOPE);
  expect(langchain).toHaveLength(2);
  expect(openai).toHaveLength(2);
  langchain.forEach((lc, i) => {
    const oa = openai[i] as ReadableSpan;
    // Not parent and child: the provider span hangs under the app's span, LangChain's under its chain.
    expect(oa.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
    expect(lc.parentSpanContext?.spanId).not.toBe(root?.spanContext().spanId);
    // The provider call starts inside LangChain's window; its span may end a fraction of a
    // millisecond after LangChain's (measured), so the mapping asks for overlap, not containment.
    expect(ms(oa.startTime)).toBeGreaterThanOrEqual(ms(lc.startTime) - 1);
    expect(ms(oa.startTime)).toBeLessThanOrEqual(ms(lc.endTime));
    expect(oa.attributes['llm.token_count.prompt']).toBe(lc.attributes['llm.token_count.prompt']);
    expect(oa.attributes['llm.token_count.completion']).toBe(lc.attributes['llm.token_count.completion']);
  });
  const embeddings = spans.filter((s) => s.attributes['openinference.span.kind'] === 'EMBEDDING');
  expect(embeddings.map((s) => s.instrumentationScope.name)).toEqual([OPENAI_SCOPE]);
}

describe('@arizeai/openinference-instrumentation-langchain + -openai → lineage', () => {
  describeInteropLineage({
    scope: LANGCHAIN_SCOPE,
    paths: ['in-process', 'receiver'],
    recordsDocuments: true,
    recordsToolCalls: true,
    emitted: {
      title:
        'each chat call is a LangChain LLM span and, starting inside its window but not below it, an OpenAI LLM span; the query embedding only an OpenAI one',
      check: assertEmitted,
    },
    async run(path) {
      const langchain = new LangChainInstrumentation({
        instrumentationConfig: { enabled: false },
        tracerProvider: path.provider,
      });
      // ESM LangChain and openai are not seen by the require hooks: patch both namespaces by hand.
      langchain.manuallyInstrument(callbackManagerModule);
      const openai = new OpenAIInstrumentation({ tracerProvider: path.provider });
      openai.manuallyInstrument(openaiModule as unknown as Parameters<typeof openai.manuallyInstrument>[0]);
      const result = await app.agent.run(path.provider.getTracer('foreign-support-app'));
      return {
        run: { ...result, modelCalls: 2, embeddingCalls: 1 },
        disable: () => {
          openai.disable();
          expectUnpatched(openaiModule.OpenAI.Chat.Completions.prototype.create);
          // disable() only undoes patches its require hook applied; a manual patch needs unpatch (private in the typings).
          (langchain as unknown as { unpatch(module: unknown): void }).unpatch(callbackManagerModule);
          expectUnpatched(callbackManagerModule.CallbackManager._configureSync);
        },
      };
    },
    gaps: {
      // Not a framework-level double: the embeddings invocation is real and kept (model version,
      // usage). But the lineage model has no node for the retrieval it served (a retrieval is a
      // span whose DataSources feed the chat invocations; DESIGN.md §2 has no edge from an
      // invocation to a retrieval or to a DataSource it helped select), so nothing links it.
      complete:
        'the retriever’s query-embedding invocation has no edge: the lineage model has no edge type for an embedding that served a retrieval',
    },
  });
});
