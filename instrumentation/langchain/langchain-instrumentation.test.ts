import * as callbackManagerModule from '@langchain/core/callbacks/manager';
import { CallbackManager } from '@langchain/core/callbacks/manager';
import { RunnableLambda } from '@langchain/core/runnables';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { installTracing, type TestTracing } from '../../src/test-support/tracing.js';
import { addLineageHandler } from './add-lineage-handler.js';
import { LangChainLineageInstrumentation } from './langchain-instrumentation.js';
import { LineageCallbackHandler } from './lineage-callback-handler.js';

let tracing: TestTracing;
let instrumentation: LangChainLineageInstrumentation;
const original = CallbackManager._configureSync;

const shout = RunnableLambda.from(async (q: string) => q.toUpperCase()).withConfig({ runName: 'shout' });

beforeAll(() => {
  tracing = installTracing();
});

afterAll(async () => {
  await tracing.shutdown();
});

beforeEach(() => {
  tracing.reset();
  instrumentation = new LangChainLineageInstrumentation({ enabled: false });
});

afterEach(() => {
  instrumentation.disable();
});

describe('LangChainLineageInstrumentation', () => {
  it('adds the lineage handler to every run of a manually instrumented module', async () => {
    instrumentation.manuallyInstrument(callbackManagerModule);
    expect(CallbackManager._configureSync).not.toBe(original);
    await shout.invoke('hi');
    await shout.invoke('again', { callbacks: [] });
    expect(tracing.spans().map((s) => s.name)).toEqual([
      'output langchain',
      'invoke_agent shout',
      'output langchain',
      'invoke_agent shout',
    ]);
  });

  it('adds no second handler when the run already has one', async () => {
    instrumentation.manuallyInstrument(callbackManagerModule);
    await shout.invoke('hi', { callbacks: [new LineageCallbackHandler()] });
    expect(tracing.spans().map((s) => s.name)).toEqual(['output langchain', 'invoke_agent shout']);
  });

  it('patches once however often it is applied, and unpatch restores the original', async () => {
    instrumentation.manuallyInstrument(callbackManagerModule);
    instrumentation.manuallyInstrument(callbackManagerModule);
    await shout.invoke('hi');
    expect(tracing.spans()).toHaveLength(2);
    instrumentation.manuallyUninstrument(callbackManagerModule);
    expect(CallbackManager._configureSync).toBe(original);
    tracing.reset();
    await shout.invoke('hi');
    expect(tracing.spans()).toEqual([]);
  });

  it('disable() removes manual patches too', () => {
    instrumentation.manuallyInstrument(callbackManagerModule);
    instrumentation.disable();
    expect(CallbackManager._configureSync).toBe(original);
  });

  it('uses a tracer provider given to the instrumentation instead of the SDK one', async () => {
    const own = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(own)] });
    instrumentation.setTracerProvider(provider);
    instrumentation.manuallyInstrument(callbackManagerModule);
    await shout.invoke('hi');
    expect(own.getFinishedSpans().map((s) => s.name)).toEqual(['output langchain', 'invoke_agent shout']);
    expect(tracing.spans()).toEqual([]);
    await provider.shutdown();
  });

  it('ignores something that is not the callbacks manager module', () => {
    expect(() => instrumentation.manuallyInstrument({} as never)).not.toThrow();
    expect(CallbackManager._configureSync).toBe(original);
  });
});

describe('addLineageHandler', () => {
  const handler = new LineageCallbackHandler();

  it('creates a callbacks list when there is none', () => {
    expect(addLineageHandler(undefined, handler)).toEqual([handler]);
  });

  it('never mutates the caller’s array or manager', () => {
    const list = [{ handleChainStart: () => undefined }];
    const added = addLineageHandler(list, handler);
    expect(list).toHaveLength(1);
    expect(added).toEqual([...list, handler]);
    const manager = new CallbackManager();
    const copy = addLineageHandler(manager, handler) as CallbackManager;
    expect(manager.handlers).toEqual([]);
    expect(copy.handlers).toEqual([handler]);
    expect(copy.inheritableHandlers).toEqual([handler]);
  });
});
