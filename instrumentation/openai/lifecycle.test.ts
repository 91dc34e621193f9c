import PlainOpenAI, * as openaiNamespace from 'openai';
import { describe, expect, it } from 'vitest';
import { LineageOpenAIInstrumentation } from './instrumentation.js';
import { useInstrumentedOpenAiSuite } from './test-support/setup.js';

const suite = useInstrumentedOpenAiSuite();

const WRAPPED = Symbol.for('agent-lineage.instrumentation-openai.wrapped');
const MESSAGES = [{ role: 'user' as const, content: 'Hello there' }];

function isWrapped(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as unknown as Record<symbol, unknown>)[WRAPPED] !== undefined;
}

function prototypes(OpenAI: typeof PlainOpenAI) {
  return [OpenAI.Chat.Completions.prototype, OpenAI.Responses.prototype, OpenAI.Embeddings.prototype];
}

describe('loader-hook patching', () => {
  it('patches chat, responses and embeddings create on require, and disable() restores the originals', async () => {
    const protos = prototypes(suite.env.openai.OpenAI);
    expect(protos.map((p) => isWrapped(p.create))).toEqual([true, true, true]);
    const originals = protos.map((p) => (p.create as unknown as Record<symbol, unknown>)[WRAPPED]);

    suite.env.instrumentation.disable();
    expect(protos.map((p) => p.create)).toEqual(originals);
    const c = new suite.env.openai.OpenAI({ apiKey: 'test', baseURL: suite.server.baseURL, maxRetries: 0 });
    await c.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES });
    expect(suite.env.spans()).toHaveLength(0);

    suite.env.instrumentation.enable();
    expect(protos.map((p) => isWrapped(p.create))).toEqual([true, true, true]);
    await c.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES });
    expect(suite.env.spans()).toHaveLength(1);
  });
});

describe('instrument() for ESM and bundlers', () => {
  it('patches the ESM module namespace once, however often it is called, and disable() undoes it', async () => {
    const manual = new LineageOpenAIInstrumentation({ enabled: false });
    manual.setTracerProvider(suite.env.tracing.provider);
    const protos = prototypes(openaiNamespace.OpenAI);
    const originals = protos.map((p) => p.create);
    expect(manual.instrument(openaiNamespace)).toBe(true);
    expect(manual.instrument(openaiNamespace)).toBe(false); // already instrumented
    expect(manual.instrument(PlainOpenAI)).toBe(false); // same class
    expect(protos.map((p) => isWrapped(p.create))).toEqual([true, true, true]);

    const c = new PlainOpenAI({ apiKey: 'test', baseURL: suite.server.baseURL, maxRetries: 0 });
    await c.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES });
    await c.embeddings.create({ model: 'text-embedding-3-small', input: 'x' });
    expect(suite.env.spans().map((s) => s.name)).toEqual([
      'chat gpt-4o',
      'embeddings text-embedding-3-small',
    ]);

    manual.disable();
    expect(protos.map((p) => p.create)).toEqual(originals);
    await c.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES });
    expect(suite.env.spans()).toHaveLength(2);
  });

  it('patches a single client instance without touching other clients', async () => {
    const manual = new LineageOpenAIInstrumentation({ enabled: false });
    manual.setTracerProvider(suite.env.tracing.provider);
    const mine = new PlainOpenAI({ apiKey: 'test', baseURL: suite.server.baseURL, maxRetries: 0 });
    const other = new PlainOpenAI({ apiKey: 'test', baseURL: suite.server.baseURL, maxRetries: 0 });
    expect(manual.instrument(mine)).toBe(true);
    await other.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES });
    expect(suite.env.spans()).toHaveLength(0);
    await mine.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES });
    expect(suite.env.spans()).toHaveLength(1);
    manual.disable();
    expect(Object.hasOwn(mine.chat.completions, 'create')).toBe(false);
    await mine.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES });
    expect(suite.env.spans()).toHaveLength(1);
  });

  it('does not double-record a client whose class is already patched', async () => {
    const manual = new LineageOpenAIInstrumentation({ enabled: false });
    manual.setTracerProvider(suite.env.tracing.provider);
    const c = new suite.env.openai.OpenAI({ apiKey: 'test', baseURL: suite.server.baseURL, maxRetries: 0 });
    expect(manual.instrument(c)).toBe(false);
    await c.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES });
    expect(suite.env.spans()).toHaveLength(1);
  });

  it('refuses what is not openai, without throwing', () => {
    const manual = new LineageOpenAIInstrumentation({ enabled: false });
    expect(manual.instrument({})).toBe(false);
    expect(manual.instrument(null)).toBe(false);
    expect(manual.instrument(42)).toBe(false);
  });
});
