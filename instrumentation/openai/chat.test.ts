import { SpanKind } from '@opentelemetry/api';
import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Json, sha256Text } from '../../src/hashing/sha256.js';
import { useInstrumentedOpenAiSuite } from './test-support/setup.js';

const suite = useInstrumentedOpenAiSuite();
let port: number;

beforeAll(() => {
  port = Number(new URL(suite.server.baseURL).port);
});

const MESSAGES = [
  { role: 'system' as const, content: 'You are terse.' },
  { role: 'user' as const, content: 'What is data lineage?' },
];

const client = () => suite.client();

describe('chat.completions.create', () => {
  it('records the whole GenAI + lineage attribute map of a plain chat call', async () => {
    const completion = await client().chat.completions.create({
      model: 'gpt-4o',
      messages: MESSAGES,
      temperature: 0.2,
      top_p: 0.9,
      max_completion_tokens: 64,
      seed: 7,
    });
    const [span] = suite.env.spans();
    expect(suite.env.spans()).toHaveLength(1);
    expect(span?.name).toBe('chat gpt-4o');
    expect(span?.kind).toBe(SpanKind.CLIENT);
    const text = completion.choices[0]?.message.content as string;
    expect(span?.attributes).toEqual({
      'lineage.span.type': 'model_invocation',
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.max_tokens': 64,
      'gen_ai.request.seed': 7,
      'lineage.prompt.system.sha256': sha256Text('You are terse.'),
      'lineage.input.sha256': sha256Json(MESSAGES),
      'lineage.model.version': 'gpt-4o-2024-08-06',
      'lineage.model.pinned': true,
      'server.address': '127.0.0.1',
      'server.port': port,
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.response.id': completion.id,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': completion.usage?.prompt_tokens,
      'gen_ai.usage.output_tokens': completion.usage?.completion_tokens,
      'lineage.output.sha256': sha256Text(text),
    });
    expect(span?.links).toEqual([]);
  });

  it('flags an alias-looking requested model as not pinned until the response names the version', async () => {
    await client().chat.completions.create({ model: 'gpt-4o-latest', messages: MESSAGES });
    expect(suite.env.spans()[0]?.attributes['lineage.model.version']).toBe('gpt-4o-latest');
    expect(suite.env.spans()[0]?.attributes['lineage.model.pinned']).toBe(false);
  });

  it('returns the very APIPromise the client made, with withResponse() working', async () => {
    const promise = client().chat.completions.create({ model: 'gpt-4o', messages: MESSAGES });
    expect(promise).toBeInstanceOf(suite.env.openai.APIPromise);
    const { data, response, request_id } = await promise.withResponse();
    expect(response.status).toBe(200);
    expect(request_id).toBeNull();
    expect(data.object).toBe('chat.completion');
    expect(suite.env.spans()).toHaveLength(1);
    expect(suite.env.spans()[0]?.attributes['gen_ai.response.id']).toBe(data.id);
  });

  it('does not read the body behind the caller: asResponse() still gets an unread Response', async () => {
    const promise = client().chat.completions.create({ model: 'gpt-4o', messages: MESSAGES });
    const response = await promise.asResponse();
    expect(response.bodyUsed).toBe(false);
    const body = (await response.json()) as { object: string };
    expect(body.object).toBe('chat.completion');
    // Nothing parsed the body, so there is no response to record yet: the span stays open
    // (until a parse, or until the promise is garbage-collected: hostile-input.test.ts).
    expect(suite.env.spans()).toHaveLength(0);
    // Settled here, so its span cannot end during a later test: the body is used up, the
    // parse fails as it would uninstrumented, and the span ends failed.
    await expect(promise).rejects.toThrow(TypeError);
    expect(suite.env.spans()).toHaveLength(1);
  });

  it('does not start parsing before the caller asks', async () => {
    const promise = client().chat.completions.create({ model: 'gpt-4o', messages: MESSAGES });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((promise as unknown as { parsedPromise?: unknown }).parsedPromise).toBeUndefined();
    await promise;
    expect(suite.env.spans()).toHaveLength(1);
  });

  it('runs the request inside the invocation span (child spans nest under it)', async () => {
    const seen: string[] = [];
    const { trace } = await import('@opentelemetry/api');
    const c = new suite.env.openai.OpenAI({
      apiKey: 'test',
      baseURL: suite.server.baseURL,
      maxRetries: 0,
      fetch: (url, init) => {
        seen.push(trace.getActiveSpan()?.spanContext().spanId ?? 'none');
        return fetch(url, init);
      },
    });
    await c.chat.completions.create({ model: 'gpt-4o', messages: MESSAGES });
    expect(seen).toEqual([suite.env.spans()[0]?.spanContext().spanId]);
  });
});

describe('sampling', () => {
  it('records nothing (and hashes nothing) under an unsampled parent; the call is unchanged', async () => {
    const { context, trace, TraceFlags } = await import('@opentelemetry/api');
    const unsampled = trace.setSpanContext(context.active(), {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.NONE,
    });
    const completion = await context.with(unsampled, () =>
      client().chat.completions.create({ model: 'gpt-4o', messages: MESSAGES }),
    );
    expect(completion.object).toBe('chat.completion');
    expect(suite.env.spans()).toHaveLength(0);
  });
});

describe('client helpers built on create()', () => {
  it('records chat.completions.parse() and the chat.completions.stream() helper through create()', async () => {
    const parsed = await client().chat.completions.parse({ model: 'gpt-4o', messages: MESSAGES });
    const runner = client().chat.completions.stream({ model: 'gpt-4o', messages: MESSAGES });
    const final = await runner.finalContent();
    expect(final).toBe(parsed.choices[0]?.message.content);
    const spans = await suite.env.waitForSpans(2);
    expect(spans.map((s) => s.name)).toEqual(['chat gpt-4o', 'chat gpt-4o']);
    expect(spans[1]?.attributes['lineage.output.sha256']).toBe(spans[0]?.attributes['lineage.output.sha256']);
  });
});

describe('content capture', () => {
  it('is off by default: no message content in any attribute', async () => {
    await client().chat.completions.create({ model: 'gpt-4o', messages: MESSAGES });
    const values = JSON.stringify(suite.env.spans()[0]?.attributes);
    expect(values).not.toContain('data lineage');
    expect(values).not.toContain('terse');
  });

  it('copies input and output messages when captureMessageContent is on', async () => {
    suite.env.instrumentation.setConfig({ captureMessageContent: true });
    try {
      const completion = await client().chat.completions.create({ model: 'gpt-4o', messages: MESSAGES });
      const attributes = suite.env.spans()[0]?.attributes ?? {};
      expect(attributes['gen_ai.input.messages']).toBe(JSON.stringify(MESSAGES));
      expect(attributes['gen_ai.output.messages']).toBe(
        JSON.stringify(completion.choices[0]?.message.content),
      );
    } finally {
      suite.env.instrumentation.setConfig({});
    }
  });
});
