import { SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { openFrameworkModelCall } from '../../src/framework-model-calls.js';
import { sha256Json } from '../../src/hashing/sha256.js';
import { useInstrumentedOpenAiSuite } from './test-support/setup.js';

const suite = useInstrumentedOpenAiSuite();

const MESSAGES = [
  { role: 'system' as const, content: 'You are terse.' },
  { role: 'user' as const, content: 'What is data lineage?' },
];
const OTHER = [{ role: 'user' as const, content: 'Something else entirely.' }];

const client = () => suite.client();

const chatSpans = () => suite.env.spans().filter((s) => s.attributes['gen_ai.operation.name'] === 'chat');

describe('a request a framework instrumentation is recording', () => {
  it('is left to the framework span (no second invocation) and reaches the caller unchanged', async () => {
    const expected = await client().chat.completions.create({ model: 'gpt-4o', messages: MESSAGES });
    expect(chatSpans()).toHaveLength(1);
    suite.env.tracing.reset();

    const close = openFrameworkModelCall('chat', sha256Json(MESSAGES));
    try {
      const whole = await client().chat.completions.create({ model: 'gpt-4o', messages: MESSAGES });
      expect(whole.choices).toEqual(expected.choices);
      const stream = await client().chat.completions.create({
        model: 'gpt-4o',
        messages: MESSAGES,
        stream: true,
      });
      let streamed = '';
      for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? '';
      expect(streamed).toBe(expected.choices[0]?.message.content);
      expect(chatSpans()).toEqual([]);

      // Another request while the framework call is open is a separate invocation.
      await client().chat.completions.create({ model: 'gpt-4o', messages: OTHER });
      expect(chatSpans().map((s) => s.attributes['lineage.input.sha256'])).toEqual([sha256Json(OTHER)]);
      // Embeddings are never a framework's chat call.
      await client().embeddings.create({ model: 'text-embedding-3-small', input: 'What is data lineage?' });
      expect(
        suite.env.spans().filter((s) => s.attributes['gen_ai.operation.name'] === 'embeddings'),
      ).toHaveLength(1);
    } finally {
      close();
    }

    suite.env.tracing.reset();
    await client().chat.completions.create({ model: 'gpt-4o', messages: MESSAGES });
    expect(chatSpans().map((s) => s.attributes['lineage.input.sha256'])).toEqual([sha256Json(MESSAGES)]);
  });

  it('records a request whose messages cannot be hashed as usual, and the caller gets the client’s own error', async () => {
    const close = openFrameworkModelCall('chat', sha256Json(MESSAGES));
    try {
      const cyclic: Record<string, unknown> = { role: 'user', content: 'loop' };
      cyclic.self = cyclic;
      const error = await client()
        .chat.completions.create({ model: 'gpt-4o', messages: [cyclic] as never })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(TypeError);
      const spans = chatSpans();
      expect(spans).toHaveLength(1);
      expect(spans[0]?.status.code).toBe(SpanStatusCode.ERROR);
      expect(spans[0]?.attributes['lineage.input.sha256']).toBeUndefined();
    } finally {
      close();
    }
  });
});
