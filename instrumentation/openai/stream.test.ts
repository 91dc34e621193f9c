import { createRequire } from 'node:module';
import { SpanStatusCode } from '@opentelemetry/api';
import PlainOpenAI from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Json, sha256Text } from '../../src/hashing/sha256.js';
import { useInstrumentedOpenAiSuite } from './test-support/setup.js';

const suite = useInstrumentedOpenAiSuite();
let StreamClass: new (...args: never[]) => unknown;

beforeAll(() => {
  StreamClass = (createRequire(import.meta.url)('openai/streaming') as { Stream: typeof StreamClass }).Stream;
});

const MESSAGES = [
  { role: 'system' as const, content: 'Stream politely.' },
  { role: 'user' as const, content: 'Explain provenance in two sentences please.' },
];

const client = () => suite.client();

function streamed() {
  return client().chat.completions.create({
    model: 'gpt-4o',
    messages: MESSAGES,
    stream: true,
    stream_options: { include_usage: true },
  });
}

describe('streamed chat completions', () => {
  it('records the whole attribute map when the stream is read with for await, plus the first-token event', async () => {
    const stream = await streamed();
    expect(stream).toBeInstanceOf(StreamClass);
    let text = '';
    let id = '';
    let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
    expect(suite.env.spans()).toHaveLength(0); // the span lasts as long as the stream
    for await (const chunk of stream) {
      id = chunk.id;
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    const [span] = suite.env.spans();
    expect(suite.env.spans()).toHaveLength(1);
    expect(span?.attributes).toEqual({
      'lineage.span.type': 'model_invocation',
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'lineage.prompt.system.sha256': sha256Text('Stream politely.'),
      'lineage.input.sha256': sha256Json(MESSAGES),
      'lineage.model.version': 'gpt-4o-2024-08-06',
      'lineage.model.pinned': true,
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(suite.server.baseURL).port),
      'lineage.response.time_to_first_token_ms': expect.any(Number),
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.response.id': id,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': usage?.prompt_tokens,
      'gen_ai.usage.output_tokens': usage?.completion_tokens,
      'lineage.output.sha256': sha256Text(text),
    });
    expect(span?.events.map((e) => e.name)).toEqual(['lineage.first_token']);
  });

  it('hashes a streamed answer exactly like the same answer returned whole', async () => {
    const whole = await client().chat.completions.create({ model: 'gpt-4o', messages: MESSAGES });
    for await (const _ of await streamed()) {
      // drain
    }
    const [a, b] = suite.env.spans();
    expect(a?.attributes['lineage.output.sha256']).toBe(sha256Text(whole.choices[0]?.message.content ?? ''));
    expect(b?.attributes['lineage.output.sha256']).toBe(a?.attributes['lineage.output.sha256']);
  });

  it('keeps tee(): both branches get every chunk, one span records the answer once', async () => {
    const [left, right] = (await streamed()).tee();
    const read = async (s: AsyncIterable<{ choices: { delta: { content?: string | null } }[] }>) => {
      let text = '';
      for await (const chunk of s) text += chunk.choices[0]?.delta.content ?? '';
      return text;
    };
    const [l, r] = await Promise.all([read(left), read(right)]);
    expect(l).toBe(r);
    expect(l.length).toBeGreaterThan(0);
    expect(suite.env.spans()).toHaveLength(1);
    expect(suite.env.spans()[0]?.attributes['lineage.output.sha256']).toBe(sha256Text(l));
  });

  it('keeps toReadableStream() working and ends the span when it is drained', async () => {
    const readable = (await streamed()).toReadableStream();
    const reader = readable.getReader();
    let bytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
    }
    expect(bytes).toBeGreaterThan(0);
    expect(suite.env.spans()).toHaveLength(1);
    expect(suite.env.spans()[0]?.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
  });

  it('keeps controller.abort() behaviour (same chunks as an uninstrumented client) and ends the span without an error', async () => {
    // The ESM build of openai is a separate module that the require hook did not patch: the control.
    const plain = new PlainOpenAI({ apiKey: 'test', baseURL: suite.server.baseURL, maxRetries: 0 });
    const readAborting = async (stream: AsyncIterable<unknown> & { controller: AbortController }) => {
      let chunks = 0;
      for await (const _ of stream) {
        chunks++;
        if (chunks === 2) stream.controller.abort();
      }
      return chunks;
    };
    const params = { model: 'gpt-4o', messages: MESSAGES, stream: true as const };
    const expected = await readAborting(await plain.chat.completions.create(params));
    expect(await readAborting(await client().chat.completions.create(params))).toBe(expected);
    const spans = await suite.env.waitForSpans(1);
    expect(spans).toHaveLength(1);
    expect(spans[0]?.status.code).not.toBe(SpanStatusCode.ERROR);
  });

  it('ends the span when the consumer breaks out of the loop', async () => {
    for await (const _ of await streamed()) break;
    expect(suite.env.spans()).toHaveLength(1);
  });

  it('still refuses a second iteration exactly like the client does', async () => {
    const stream = await streamed();
    for await (const _ of stream) {
      // drain
    }
    await expect(async () => {
      for await (const _ of stream) {
        // second pass
      }
    }).rejects.toThrow(/consumed stream/);
    expect(suite.env.spans()).toHaveLength(1);
    expect(suite.env.spans()[0]?.status.code).not.toBe(SpanStatusCode.ERROR);
  });
});
