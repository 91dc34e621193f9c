import { createRequire } from 'node:module';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type * as OpenAINamespace from 'openai';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type FakeOpenAiServer, startFakeOpenAi } from '../../../examples/fake-openai/server.js';
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

/** What {@link useInstrumentedOpenAiSuite} gives a test file; `env` and `server` exist once its beforeAll ran. */
export interface InstrumentedOpenAiSuite {
  readonly env: InstrumentedOpenAi;
  readonly server: FakeOpenAiServer;
  /** A client of the patched module for the fake server (or `baseURL`), without retries. */
  client(baseURL?: string): InstanceType<OpenAiModule['OpenAI']>;
}

/**
 * The hooks every instrumentation test file needs: the instrumentation and the fake OpenAI
 * server before all tests, recorded spans cleared before each, both shut down after all.
 */
export function useInstrumentedOpenAiSuite(
  config: LineageOpenAIInstrumentationConfig = {},
): InstrumentedOpenAiSuite {
  let env: InstrumentedOpenAi | undefined;
  let server: FakeOpenAiServer | undefined;
  beforeAll(async () => {
    env = setupInstrumentedOpenAi(config);
    server = await startFakeOpenAi();
  });
  afterAll(async () => {
    await server?.close();
    await env?.shutdown();
  });
  beforeEach(() => env?.tracing.reset());
  const suite: InstrumentedOpenAiSuite = {
    get env() {
      if (env === undefined) throw new Error('the instrumented environment exists only once beforeAll ran');
      return env;
    },
    get server() {
      if (server === undefined) throw new Error('the fake server exists only once beforeAll ran');
      return server;
    },
    client: (baseURL) =>
      new suite.env.openai.OpenAI({
        apiKey: 'test',
        baseURL: baseURL ?? suite.server.baseURL,
        maxRetries: 0,
      }),
  };
  return suite;
}
