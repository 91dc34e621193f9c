import { createRequire } from 'node:module';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type * as OpenAINamespace from 'openai';
import { installTracing, type TestTracing } from '../../../src/test-support/tracing.js';
import { LineageOpenAIInstrumentation } from '../instrumentation.js';
import type { LineageOpenAIInstrumentationConfig } from '../types.js';

/** The CommonJS `openai` module as `require` returns it. */
export type OpenAiModule = typeof OpenAINamespace;

/** Test tracing with the instrumentation enabled and `openai` loaded through `require` (so the loader hook patches it). */
export interface InstrumentedOpenAi {
  readonly tracing: TestTracing;
  readonly instrumentation: LineageOpenAIInstrumentation;
  /** The patched CommonJS module. */
  readonly openai: OpenAiModule;
  /** Finished spans of the instrumentation (not the SDK's own). */
  spans(): ReadableSpan[];
  /** Waits until `n` instrumentation spans have finished (streams end asynchronously). */
  waitForSpans(n: number): Promise<ReadableSpan[]>;
  shutdown(): Promise<void>;
}

/** Sets everything up; call once per test file, before any test, and `shutdown()` in afterAll. */
export function setupInstrumentedOpenAi(config: LineageOpenAIInstrumentationConfig = {}): InstrumentedOpenAi {
  const tracing = installTracing();
  const instrumentation = new LineageOpenAIInstrumentation(config);
  instrumentation.setTracerProvider(tracing.provider);
  // require() after the instrumentation registered its hook, so require-in-the-middle patches it.
  const openai = createRequire(import.meta.url)('openai') as OpenAiModule;
  const spans = () =>
    tracing.spans().filter((s) => s.instrumentationScope.name === 'agent-lineage/instrumentation-openai');
  return {
    tracing,
    instrumentation,
    openai,
    spans,
    waitForSpans: async (n) => {
      for (let i = 0; i < 200 && spans().length < n; i++) await new Promise((r) => setTimeout(r, 5));
      return spans();
    },
    shutdown: async () => {
      instrumentation.disable();
      await tracing.shutdown();
    },
  };
}
