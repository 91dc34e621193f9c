import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embed } from './responses.js';
import { type FakeOpenAiServer, startFakeOpenAi } from './server.js';

let fake: FakeOpenAiServer;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAi();
  client = new OpenAI({ apiKey: 'test', baseURL: fake.baseURL, maxRetries: 0 });
});
afterAll(() => fake.close());

const tools = [
  {
    type: 'function' as const,
    function: { name: 'get_rate', parameters: { type: 'object', properties: {} } },
  },
  {
    type: 'function' as const,
    function: { name: 'get_policy', parameters: { type: 'object', properties: {} } },
  },
];

describe('fake OpenAI server with the real openai client', () => {
  it('answers a chat deterministically with the exact model version and usage', async () => {
    const ask = () =>
      client.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'What is the rate?' }],
      });
    const [a, b] = [await ask(), await ask()];
    expect(a.model).toBe('gpt-4o-2024-08-06');
    expect(a.choices[0]?.message.content).toMatch(/^Answer to "What is the rate\?" \[ctx [0-9a-f]{8}\]\.$/);
    expect(b.choices[0]?.message.content).toBe(a.choices[0]?.message.content);
    expect(a.usage).toEqual({
      prompt_tokens: 5,
      completion_tokens: expect.any(Number),
      total_tokens: expect.any(Number),
    });
  });

  it('issues parallel tool calls, then answers using the tool results', async () => {
    const first = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'loan terms?' }],
      tools,
    });
    const calls = first.choices[0]?.message.tool_calls ?? [];
    expect(first.choices[0]?.finish_reason).toBe('tool_calls');
    expect(calls.map((c) => (c.type === 'function' ? c.function.name : ''))).toEqual([
      'get_rate',
      'get_policy',
    ]);
    const second = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [
        { role: 'user', content: 'loan terms?' },
        { role: 'assistant', content: null, tool_calls: calls },
        ...calls.map((c) => ({ role: 'tool' as const, tool_call_id: c.id, content: 'rate 4.2%' })),
      ],
      tools,
    });
    expect(second.choices[0]?.message.content).toContain('using the tool results');
  });

  it('streams the same text it would return, with usage when asked', async () => {
    const plain = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
    });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(plain.choices[0]?.message.content);
    expect(usage).toEqual(plain.usage);
  });

  it('answers embeddings as base64 float32 that the client decodes to the deterministic vector', async () => {
    const res = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta'] });
    expect(res.data).toHaveLength(2);
    const expected = Array.from(embed('alpha'));
    for (const [i, v] of res.data[0]!.embedding.entries()) expect(v).toBeCloseTo(expected[i]!, 6);
  });

  it('rejects malformed requests with an OpenAI-style 400 the client surfaces', async () => {
    await expect(client.chat.completions.create({ model: 'gpt-4o', messages: [] })).rejects.toMatchObject({
      status: 400,
    });
  });
});
