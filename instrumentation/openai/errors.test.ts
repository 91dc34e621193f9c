import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { diag, SpanStatusCode, type Tracer, type TracerProvider } from '@opentelemetry/api';
import PlainOpenAI from 'openai';
import { describe, expect, it, vi } from 'vitest';
import { useInstrumentedOpenAiSuite } from './test-support/setup.js';

const suite = useInstrumentedOpenAiSuite();

const client = (baseURL?: string) => suite.client(baseURL);

/** The rejection of a promise (fails the test when it resolves). */
async function rejection(promise: PromiseLike<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('errors', () => {
  it('passes a 400 through as the same APIError subclass and marks the span failed', async () => {
    const plain = new PlainOpenAI({ apiKey: 'test', baseURL: suite.server.baseURL, maxRetries: 0 });
    const expected = (await rejection(
      plain.chat.completions.create({ model: 'gpt-4o', messages: [] }),
    )) as Error;
    const error = (await rejection(
      client().chat.completions.create({ model: 'gpt-4o', messages: [] }),
    )) as InstanceType<typeof suite.env.openai.APIError>;
    expect(error).toBeInstanceOf(suite.env.openai.BadRequestError);
    expect(error.constructor.name).toBe(expected.constructor.name);
    expect(error.message).toBe(expected.message);
    expect(error.status).toBe(400);
    const [span] = suite.env.spans();
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: error.message });
    expect(span?.attributes['error.type']).toBe('BadRequestError');
    expect(span?.events.map((e) => e.name)).toEqual(['exception']);
    expect(span?.attributes['gen_ai.response.model']).toBeUndefined();
  });

  it('ends the span when the request fails, before anyone consumes the promise, and still rejects later', async () => {
    const promise = client().chat.completions.create({ model: 'gpt-4o', messages: [] });
    // Consume late, but attach before the tick ends so nothing is reported unhandled here.
    const late = new Promise((resolve) => setTimeout(resolve, 0)).then(() => rejection(promise));
    const spans = await suite.env.waitForSpans(1);
    expect(spans[0]?.status.code).toBe(SpanStatusCode.ERROR);
    expect(await late).toBeInstanceOf(suite.env.openai.BadRequestError);
    expect(await rejection(promise.withResponse())).toBeInstanceOf(suite.env.openai.BadRequestError);
  });

  it('keeps unhandled-rejection behaviour for a failing call nobody consumes (child process)', () => {
    const probe = fileURLToPath(new URL('./test-support/unhandled-probe.ts', import.meta.url));
    const out = execFileSync(process.execPath, ['--import', 'tsx', probe], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    const result = JSON.parse(out.trim().split('\n').pop() ?? '{}') as {
      unhandled: { plain: number; instrumented: number };
      spans: { name: string; status: number }[];
    };
    expect(result.unhandled.plain).toBe(1);
    expect(result.unhandled.instrumented).toBe(result.unhandled.plain);
    expect(result.spans).toEqual([{ name: 'chat gpt-4o', status: SpanStatusCode.ERROR }]);
  });

  it('passes connection errors through unchanged', async () => {
    const error = await rejection(
      client('http://127.0.0.1:9/v1').chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
    expect(error).toBeInstanceOf(suite.env.openai.APIConnectionError);
    expect(suite.env.spans()[0]?.attributes['error.type']).toBe('APIConnectionError');
  });

  it('fails a streamed call that errors the same way', async () => {
    const error = await rejection(
      client().chat.completions.create({ model: 'gpt-4o', messages: [], stream: true }),
    );
    expect(error).toBeInstanceOf(suite.env.openai.BadRequestError);
    expect(suite.env.spans()[0]?.status.code).toBe(SpanStatusCode.ERROR);
  });

  it('never lets its own failures reach the caller: a throwing tracer is reported through diag', async () => {
    const broken: TracerProvider = {
      getTracer: () =>
        ({
          startSpan: () => {
            throw new Error('tracer is broken');
          },
        }) as unknown as Tracer,
    };
    const errors = vi.spyOn(diag, 'error').mockImplementation(() => undefined);
    suite.env.instrumentation.setTracerProvider(broken);
    try {
      const completion = await client().chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'still works' }],
      });
      expect(completion.object).toBe('chat.completion');
      expect(errors).toHaveBeenCalled();
    } finally {
      suite.env.instrumentation.setTracerProvider(suite.env.tracing.provider);
      errors.mockRestore();
    }
  });

  it('records a request it cannot hash without the hash, and the call goes through', async () => {
    const warn = vi.spyOn(diag, 'warn').mockImplementation(() => undefined);
    try {
      // A lone surrogate has no RFC 8785 form: the input hash is omitted, the request is still sent.
      await client().chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'bad \ud800 text' }],
      });
      const [span] = suite.env.spans();
      expect(span?.attributes['lineage.input.sha256']).toBeUndefined();
      // The fake model echoes the lone surrogate: the answer has no UTF-8 form either, so no hash.
      expect(span?.attributes['lineage.output.sha256']).toBeUndefined();
    } finally {
      warn.mockRestore();
    }
  });
});
