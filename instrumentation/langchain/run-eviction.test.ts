import type { Serialized } from '@langchain/core/load/serializable';
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { SpanStatusCode } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { isFrameworkModelCall } from '../../src/framework-model-calls.js';
import { sha256Json } from '../../src/hashing/sha256.js';
import { installTracing, type TestTracing } from '../../src/test-support/tracing.js';
import { LineageCallbackHandler } from './lineage-callback-handler.js';
import { RunRegistry } from './run-registry.js';

const CHAIN: Serialized = { lc: 1, type: 'not_implemented', id: ['test', 'Chain'] };

let tracing: TestTracing;

beforeAll(() => {
  tracing = installTracing();
});

afterAll(async () => {
  await tracing.shutdown();
});

beforeEach(() => {
  tracing.reset();
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('RunRegistry', () => {
  it('releases an entry when its run ends and never evicts it afterwards', () => {
    const onEvict = vi.fn();
    const registry = new RunRegistry<string>({ ttlMs: 1_000, maxRuns: 10, onEvict });
    registry.add('a', 'entry-a');
    expect(registry.take('a')).toBe('entry-a');
    expect(registry.size).toBe(0);
    vi.advanceTimersByTime(5_000);
    expect(onEvict).not.toHaveBeenCalled();
  });

  it('evicts an entry whose run never ends once the TTL has passed', () => {
    const onEvict = vi.fn();
    const registry = new RunRegistry<string>({ ttlMs: 1_000, maxRuns: 10, onEvict });
    registry.add('a', 'entry-a');
    vi.advanceTimersByTime(999);
    expect(registry.size).toBe(1);
    vi.advanceTimersByTime(1);
    expect(onEvict).toHaveBeenCalledExactlyOnceWith('a', 'entry-a');
    expect(registry.size).toBe(0);
    expect(registry.take('a')).toBeUndefined();
  });

  it('evicts the oldest entry when full', () => {
    const onEvict = vi.fn();
    const registry = new RunRegistry<string>({ ttlMs: 1_000, maxRuns: 2, onEvict });
    registry.add('a', 'entry-a');
    registry.add('b', 'entry-b');
    registry.add('c', 'entry-c');
    expect(onEvict).toHaveBeenCalledExactlyOnceWith('a', 'entry-a');
    expect([registry.get('b'), registry.get('c')]).toEqual(['entry-b', 'entry-c']);
  });

  it('evicts an open entry whose id is added again, so the replaced run still ends', () => {
    const onEvict = vi.fn();
    const registry = new RunRegistry<string>({ ttlMs: 1_000, maxRuns: 10, onEvict });
    registry.add('a', 'first');
    registry.add('a', 'second');
    expect(onEvict).toHaveBeenCalledExactlyOnceWith('a', 'first');
    expect(registry.size).toBe(1);
    vi.advanceTimersByTime(999);
    // The replaced entry's timer went with it: only the new entry's TTL is running.
    expect(onEvict).toHaveBeenCalledTimes(1);
    expect(registry.take('a')).toBe('second');
  });
});

describe('LineageCallbackHandler run eviction', () => {
  it('removes a run from its map when the run ends', () => {
    const handler = new LineageCallbackHandler({ runTtlMs: 60_000 });
    handler.handleChainStart(CHAIN, {}, 'run-1', undefined, [], {}, 'chain', 'agent');
    handler.handleChainStart(CHAIN, {}, 'run-2', 'run-1', [], {}, 'chain', 'step');
    expect(handler.openRuns).toBe(2);
    handler.handleChainEnd({ output: 'done' }, 'run-2');
    handler.handleChainEnd({ output: 'done' }, 'run-1');
    expect(handler.openRuns).toBe(0);
    vi.advanceTimersByTime(120_000);
    expect(tracing.spans().map((s) => s.status.code)).toEqual([
      SpanStatusCode.UNSET,
      SpanStatusCode.UNSET,
      SpanStatusCode.UNSET,
    ]);
  });

  it('evicts a run that never ends after the TTL and ends its span as an error', () => {
    const handler = new LineageCallbackHandler({ runTtlMs: 10 * 60_000 });
    handler.handleChainStart(CHAIN, {}, 'abandoned', undefined, [], {}, 'chain', 'agent');
    handler.handleToolStart(CHAIN, '{}', 'tool-1', 'abandoned', [], {}, 'lookup', 'call_1');
    vi.advanceTimersByTime(10 * 60_000 - 1);
    expect(handler.openRuns).toBe(2);
    expect(tracing.spans()).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(handler.openRuns).toBe(0);
    const spans = tracing.spans();
    expect(spans.map((s) => s.name).sort()).toEqual(['execute_tool lookup', 'invoke_agent agent']);
    for (const span of spans) {
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.status.message).toMatch(/did not end within 600000 ms/);
    }
    // A late end for an evicted run is ignored rather than ending a span twice.
    expect(() => handler.handleChainEnd({ output: 'late' }, 'abandoned')).not.toThrow();
    expect(tracing.spans()).toHaveLength(2);
  });

  it('holds at most maxOpenRuns runs', () => {
    const handler = new LineageCallbackHandler({ maxOpenRuns: 3 });
    for (let i = 0; i < 10; i += 1)
      handler.handleChainStart(CHAIN, {}, `run-${i}`, undefined, [], {}, 'chain', `agent-${i}`);
    expect(handler.openRuns).toBe(3);
    expect(tracing.spans()).toHaveLength(7);
  });

  it('registers an open chat model run as a framework model call until it ends, fails or is evicted', () => {
    const CHAT_OPENAI: Serialized = {
      lc: 1,
      type: 'not_implemented',
      id: ['langchain', 'chat_models', 'ChatOpenAI'],
    };
    const handler = new LineageCallbackHandler({ runTtlMs: 60_000 });
    const start = (runId: string, text: string) =>
      handler.handleChatModelStart(
        CHAT_OPENAI,
        [[new HumanMessage(text)]],
        runId,
        undefined,
        { invocation_params: { model: 'gpt-4o' } },
        [],
        { ls_provider: 'openai', ls_model_name: 'gpt-4o' },
      );
    // The key is the hash our OpenAI instrumentation computes over the wire messages.
    const open = (text: string) =>
      isFrameworkModelCall('chat', sha256Json([{ role: 'user', content: text }]));

    start('ends', 'first');
    start('fails', 'second');
    start('abandoned', 'third');
    expect([open('first'), open('second'), open('third')]).toEqual([true, true, true]);
    expect(tracing.spans().map((s) => s.attributes['lineage.input.sha256'])).toEqual([]);

    handler.handleLLMEnd({ generations: [[{ text: 'ok', message: new AIMessage('ok') } as never]] }, 'ends');
    expect(open('first')).toBe(false);
    handler.handleLLMError(new Error('rate limited'), 'fails');
    expect(open('second')).toBe(false);
    expect(open('third')).toBe(true);
    vi.advanceTimersByTime(60_000);
    expect(open('third')).toBe(false);
    expect(tracing.spans().map((s) => s.status.code)).toEqual([
      SpanStatusCode.UNSET,
      SpanStatusCode.ERROR,
      SpanStatusCode.ERROR,
    ]);
  });
});
