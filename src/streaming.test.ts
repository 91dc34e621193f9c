import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { sha256Text } from './hashing/sha256.js';
import { recordModelInvocation } from './model-invocation.js';
import { startRun } from './run.js';
import { installTracing } from './test-support/tracing.js';

const tracing = installTracing();
afterAll(() => tracing.shutdown());
beforeEach(() => tracing.reset());

function chunk(content: string | undefined, extra: Record<string, unknown> = {}) {
  return {
    id: 'chatcmpl-s',
    model: 'gpt-4o-2024-08-06',
    choices: [{ index: 0, delta: { content }, finish_reason: null }],
    ...extra,
  };
}

/** A stream object shaped like the OpenAI SDK's Stream: a class with its own methods. */
class FakeStream {
  readonly controller = new AbortController();
  constructor(
    private readonly chunks: readonly unknown[],
    private readonly failAt?: number,
  ) {}
  async *[Symbol.asyncIterator]() {
    for (let i = 0; i < this.chunks.length; i++) {
      if (i === this.failAt) throw new Error('connection reset');
      await new Promise((r) => setImmediate(r));
      yield this.chunks[i];
    }
  }
  tee() {
    return 'tee-called';
  }
}

const CHUNKS = [
  chunk('Two '),
  chunk('approvals.'),
  {
    ...chunk(undefined),
    choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
    usage: { prompt_tokens: 9, completion_tokens: 3 },
  },
];

describe('streamed model invocations', () => {
  it('observes the stream in place: same object, same chunks, first-token time, output hash', async () => {
    const stream = new FakeStream(CHUNKS);
    const received: unknown[] = [];
    await startRun({ agentName: 'streamer' }, async () => {
      const returned = await recordModelInvocation(
        { provider: 'openai', model: 'gpt-4o', messages: [{ role: 'user', content: 'How many?' }] },
        async () => stream,
      );
      expect(returned).toBe(stream);
      expect(returned.tee()).toBe('tee-called');
      // The span stays open until the caller has consumed the stream.
      expect(tracing.spans().filter((s) => s.name === 'chat gpt-4o')).toHaveLength(0);
      for await (const c of returned) received.push(c);
    });
    expect(received).toHaveLength(3);
    for (const [i, c] of received.entries()) expect(c).toBe(CHUNKS[i]);
    const span = tracing.span('chat gpt-4o');
    const { 'lineage.response.time_to_first_token_ms': ttft, ...rest } = span.attributes;
    expect(typeof ttft).toBe('number');
    expect(ttft as number).toBeGreaterThanOrEqual(0);
    expect(rest).toEqual({
      'lineage.span.type': 'model_invocation',
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'lineage.input.sha256': expect.any(String),
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.response.id': 'chatcmpl-s',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 9,
      'gen_ai.usage.output_tokens': 3,
      'lineage.model.version': 'gpt-4o-2024-08-06',
      'lineage.model.pinned': true,
      'lineage.output.sha256': sha256Text('Two approvals.'),
    });
    expect(span.events.map((e) => e.name)).toEqual(['lineage.first_token']);
    expect(span.ended).toBe(true);
  });

  it('records a stream that fails midway as an error and passes the error through', async () => {
    const stream = new FakeStream(CHUNKS, 1);
    const consume = async () => {
      const s = await recordModelInvocation({ provider: 'openai', model: 'gpt-4o' }, () =>
        Promise.resolve(stream),
      );
      for await (const _ of s) {
        // consume
      }
    };
    await expect(consume()).rejects.toThrow('connection reset');
    const span = tracing.span('chat gpt-4o');
    expect(span.status).toEqual({ code: 2, message: 'connection reset' });
    expect(span.events.map((e) => e.name)).toEqual(['lineage.first_token', 'exception']);
  });

  it('ends the span when the consumer stops early, and observes async generators and plain text chunks', async () => {
    async function* gen() {
      yield 'Hel';
      yield 'lo';
      yield ' world';
    }
    const g = gen();
    const s = await recordModelInvocation({ provider: 'local', model: 'llama3:latest' }, async () => g);
    expect(s).toBe(g);
    let text = '';
    for await (const piece of s) {
      text += piece;
      if (text === 'Hello') break;
    }
    const span = tracing.span('chat llama3:latest');
    expect(span.attributes['lineage.output.sha256']).toBe(sha256Text('Hello'));
    expect(span.attributes['lineage.model.pinned']).toBe(false);
    expect(span.attributes['lineage.model.version']).toBe('llama3:latest');
  });

  it('falls back to ending the span when a stream cannot be instrumented (frozen)', async () => {
    const frozen = Object.freeze({
      async *[Symbol.asyncIterator]() {
        yield 'x';
      },
    });
    expect(await recordModelInvocation({ provider: 'p', model: 'm-001' }, async () => frozen)).toBe(frozen);
    await new Promise((r) => setImmediate(r));
    expect(tracing.span('chat m-001').ended).toBe(true);
  });

  it('records no output hash for a stream of unknown chunks, and follows Anthropic stream events', async () => {
    async function* bytes() {
      yield new Uint8Array([1, 2]);
    }
    for await (const _ of await recordModelInvocation({ provider: 'p', model: 'bytes-001' }, async () =>
      bytes(),
    )) {
      // consume
    }
    expect(tracing.span('chat bytes-001').attributes['lineage.output.sha256']).toBeUndefined();

    async function* anthropic() {
      yield {
        type: 'message_start',
        message: { id: 'msg_1', model: 'claude-3-5-sonnet-20241022', usage: { input_tokens: 11 } },
      };
      yield { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } };
      yield { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi ' } };
      yield { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'there' } };
      yield { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 2 } };
      yield { type: 'message_stop' };
    }
    for await (const _ of await recordModelInvocation(
      { provider: 'anthropic', model: 'claude-3-5-sonnet-latest' },
      async () => anthropic(),
    )) {
      // consume
    }
    const { 'lineage.response.time_to_first_token_ms': _ttft, ...attributes } = tracing.span(
      'chat claude-3-5-sonnet-latest',
    ).attributes;
    expect(attributes).toEqual({
      'lineage.span.type': 'model_invocation',
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-3-5-sonnet-latest',
      'gen_ai.response.model': 'claude-3-5-sonnet-20241022',
      'gen_ai.response.id': 'msg_1',
      'gen_ai.response.finish_reasons': ['end_turn'],
      'gen_ai.usage.input_tokens': 11,
      'gen_ai.usage.output_tokens': 2,
      'lineage.model.version': 'claude-3-5-sonnet-20241022',
      'lineage.model.pinned': true,
      'lineage.output.sha256': sha256Text('Hi there'),
    });
  });
});
