import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sha256Json, sha256Text } from '../../src/hashing/sha256.js';
import { startRun } from '../../src/run.js';
import { linksOf, ref } from '../../src/test-support/tracing.js';
import { recordToolCall } from '../../src/tool-call.js';
import { type FakeResponsesServer, startFakeResponses } from './test-support/responses-server.js';
import { type InstrumentedOpenAi, setupInstrumentedOpenAi } from './test-support/setup.js';

let env: InstrumentedOpenAi;
let server: FakeResponsesServer;

beforeAll(async () => {
  env = setupInstrumentedOpenAi();
  server = await startFakeResponses();
});
afterAll(async () => {
  await server.close();
  await env.shutdown();
});
beforeEach(() => env.tracing.reset());

function client() {
  return new env.openai.OpenAI({ apiKey: 'test', baseURL: server.baseURL, maxRetries: 0 });
}

describe('responses.create', () => {
  it('records the whole attribute map of a text response', async () => {
    const response = await client().responses.create({
      model: 'gpt-4o',
      instructions: 'Be brief.',
      input: 'Summarise data lineage.',
      temperature: 0,
      max_output_tokens: 100,
    });
    expect(env.spans()).toHaveLength(1);
    const [span] = env.spans();
    expect(span?.name).toBe('chat gpt-4o');
    expect(span?.attributes).toEqual({
      'lineage.span.type': 'model_invocation',
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.request.temperature': 0,
      'gen_ai.request.max_tokens': 100,
      'lineage.prompt.system.sha256': sha256Text('Be brief.'),
      'lineage.input.sha256': sha256Json('Summarise data lineage.'),
      'lineage.model.version': 'gpt-4o-2024-08-06',
      'lineage.model.pinned': true,
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(server.baseURL).port),
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.response.id': response.id,
      'gen_ai.response.finish_reasons': ['completed'],
      'gen_ai.usage.input_tokens': response.usage?.input_tokens,
      'gen_ai.usage.output_tokens': response.usage?.output_tokens,
      'lineage.output.sha256': sha256Text(response.output_text),
    });
  });

  it('keeps the client-added output_text and hashes a streamed response like the whole one', async () => {
    const whole = await client().responses.create({ model: 'gpt-4o', input: 'Stream me.' });
    expect(whole.output_text.length).toBeGreaterThan(0);
    let text = '';
    for await (const event of await client().responses.create({
      model: 'gpt-4o',
      input: 'Stream me.',
      stream: true,
    })) {
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(text).toBe(whole.output_text);
    const [a, b] = env.spans();
    expect(b?.attributes['lineage.output.sha256']).toBe(a?.attributes['lineage.output.sha256']);
    expect(b?.attributes['gen_ai.response.id']).toBe(whole.id);
    expect(b?.events.map((e) => e.name)).toEqual(['lineage.first_token']);
    expect(b?.attributes['lineage.response.time_to_first_token_ms']).toEqual(expect.any(Number));
  });

  it('hashes function calls and links the next call to the tool results by call_id', async () => {
    const openai = client();
    const tools = [
      { type: 'function' as const, name: 'get_rate', parameters: { type: 'object' }, strict: false },
    ];
    let firstOutput: unknown;
    await startRun({ agentName: 'responses-agent' }, async () => {
      const first = await openai.responses.create({ model: 'gpt-4o', input: 'Best rate?', tools });
      firstOutput = JSON.parse(JSON.stringify(first.output));
      const calls = first.output.flatMap((item) => (item.type === 'function_call' ? [item] : []));
      expect(calls).toHaveLength(1);
      const call = calls[0] as (typeof calls)[number];
      const result = await recordToolCall({ name: call.name, callId: call.call_id }, async () => '4.3%');
      await openai.responses.create({
        model: 'gpt-4o',
        tools,
        input: [
          { role: 'user', content: 'Best rate?' },
          { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments },
          { type: 'function_call_output', call_id: call.call_id, output: result },
        ],
      });
    });
    const [first, second] = env.spans();
    const tool = env.tracing.spans().find((s) => s.name === 'execute_tool get_rate');
    if (first === undefined || second === undefined || tool === undefined) throw new Error('spans missing');
    expect(first.attributes['lineage.output.sha256']).toBe(sha256Json(firstOutput));
    expect(first.attributes['gen_ai.response.finish_reasons']).toEqual(['completed']);
    const inferred = { 'lineage.link.type': 'consumed', 'lineage.link.inferred': true };
    // The assistant's function_call (call_id) joins the first invocation, the output joins the tool.
    expect(linksOf(second)).toEqual(
      expect.arrayContaining([
        { ...ref(first), attributes: expect.objectContaining(inferred) },
        { ...ref(tool), attributes: expect.objectContaining(inferred) },
      ]),
    );
    expect(linksOf(second)).toHaveLength(2);
  });
});
