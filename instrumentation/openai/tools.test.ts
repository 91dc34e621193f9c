import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { describe, expect, it } from 'vitest';
import { sha256Json, sha256Text } from '../../src/hashing/sha256.js';
import { recordOutput } from '../../src/output.js';
import { recordRetrieval } from '../../src/retrieval.js';
import { startRun } from '../../src/run.js';
import { linksOf, ref } from '../../src/test-support/tracing.js';
import { recordToolCall } from '../../src/tool-call.js';
import { useInstrumentedOpenAiSuite } from './test-support/setup.js';

const suite = useInstrumentedOpenAiSuite();

const TOOLS: ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_rate', parameters: { type: 'object' } } },
  { type: 'function', function: { name: 'get_fees', parameters: { type: 'object' } } },
];
const CHUNK = 'Fixed-rate loans above 50k need two approvals (policy 7.2).';

const client = () => suite.client();

function spanNamed(name: string, index = 0): ReadableSpan {
  const found = suite.env.tracing.spans().filter((s) => s.name === name);
  const span = found[index];
  if (span === undefined) throw new Error(`no span '${name}' #${index}`);
  return span;
}

/** One agent turn: retrieval, a model call with parallel tool calls, both tools, a final model call, an output. */
async function agentLoop(stream: boolean) {
  const openai = client();
  return startRun({ agentName: 'rates' }, async () => {
    await recordRetrieval(
      {
        dataSourceId: 'kb',
        query: 'approvals',
        sources: () => [{ kind: 'rag_chunk', id: 'kb#7.2', content: CHUNK }],
      },
      async () => [CHUNK],
    );
    const messages: ChatCompletionMessageParam[] = [
      { role: 'system', content: 'Use tools.' },
      { role: 'user', content: `Context: ${CHUNK}\nWhat is the best rate?` },
    ];
    const turns: unknown[] = [];
    for (let turn = 0; turn < 4; turn++) {
      let message: {
        content: string | null;
        tool_calls?: { id: string; function: { name: string; arguments: string } }[];
      };
      if (stream) {
        const calls: { id: string; type: 'function'; function: { name: string; arguments: string } }[] = [];
        let content: string | null = null;
        for await (const chunk of await openai.chat.completions.create({
          model: 'gpt-4o',
          messages,
          tools: TOOLS,
          stream: true,
        })) {
          const delta = chunk.choices[0]?.delta;
          if (delta?.content) content = (content ?? '') + delta.content;
          for (const part of delta?.tool_calls ?? []) {
            calls[part.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } };
            const call = calls[part.index] as (typeof calls)[number];
            if (part.id) call.id = part.id;
            call.function.name += part.function?.name ?? '';
            call.function.arguments += part.function?.arguments ?? '';
          }
        }
        message = calls.length > 0 ? { content, tool_calls: calls } : { content };
      } else {
        const completion = await openai.chat.completions.create({ model: 'gpt-4o', messages, tools: TOOLS });
        const m = completion.choices[0]?.message;
        message = {
          content: m?.content ?? null,
          ...(m?.tool_calls
            ? { tool_calls: m.tool_calls.flatMap((c) => (c.type === 'function' ? [c] : [])) }
            : {}),
        };
      }
      turns.push(message);
      if (message.tool_calls === undefined) {
        recordOutput({ content: message.content ?? '', channel: 'chat_ui' });
        return turns;
      }
      messages.push({
        role: 'assistant',
        content: message.content,
        tool_calls: message.tool_calls.map((c) => ({
          id: c.id,
          type: 'function' as const,
          function: c.function,
        })),
      });
      // Parallel tool calls: both run concurrently.
      const results = await Promise.all(
        message.tool_calls.map((call) =>
          recordToolCall(
            { name: call.function.name, callId: call.id, arguments: call.function.arguments },
            async () =>
              call.function.name === 'get_rate'
                ? '4.3% fixed for 10 years'
                : 'no fees for online applications',
          ),
        ),
      );
      message.tool_calls.forEach((call, i) => {
        messages.push({ role: 'tool', tool_call_id: call.id, content: results[i] as string });
      });
    }
    throw new Error('the fake model never answered');
  });
}

describe.each([false, true])('a tool loop with parallel tool calls (stream=%s)', (stream) => {
  it('records tool calls, hashes them, and links every step by inference', async () => {
    const turns = (await agentLoop(stream)) as {
      content: string | null;
      tool_calls?: { id: string; function: { name: string; arguments: string } }[];
    }[];
    expect(turns).toHaveLength(2);
    const calls = turns[0]?.tool_calls ?? [];
    expect(calls.map((c) => c.function.name)).toEqual(['get_rate', 'get_fees']);

    const retrieval = spanNamed('retrieval kb');
    const first = spanNamed('chat gpt-4o', 0);
    const second = spanNamed('chat gpt-4o', 1);
    const rate = spanNamed('execute_tool get_rate');
    const fees = spanNamed('execute_tool get_fees');
    const output = spanNamed('output chat_ui');

    expect(first.attributes['gen_ai.response.finish_reasons']).toEqual(['tool_calls']);
    expect(first.attributes['lineage.tools.sha256']).toBe(sha256Json(TOOLS));
    // Streamed or not, the tool calls hash as the same normalised assistant message.
    expect(first.attributes['lineage.output.sha256']).toBe(
      sha256Json([
        {
          role: 'assistant',
          content: null,
          tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: c.function })),
        },
      ]),
    );
    expect(second.attributes['lineage.output.sha256']).toBe(sha256Text(turns[1]?.content ?? ''));

    const consumed = (sha: string | undefined, span: ReadableSpan) => ({
      ...ref(span),
      attributes: {
        'lineage.link.type': 'consumed',
        'lineage.link.inferred': true,
        ...(sha === undefined ? {} : { 'lineage.link.entity.sha256': sha }),
      },
    });
    expect(linksOf(first)).toEqual([consumed(sha256Text(CHUNK), retrieval)]);
    expect(linksOf(second)).toEqual(
      expect.arrayContaining([
        consumed(sha256Text(CHUNK), retrieval),
        consumed(first.attributes['lineage.output.sha256'] as string, first),
        consumed(sha256Text('4.3% fixed for 10 years'), rate),
        consumed(sha256Text('no fees for online applications'), fees),
      ]),
    );
    expect(linksOf(second)).toHaveLength(4);
    // The final output is contributed to by the last invocation that answered.
    expect(linksOf(output)).toEqual([
      expect.objectContaining({
        ...ref(second),
        attributes: expect.objectContaining({ 'lineage.link.type': 'contributed_to' }),
      }),
    ]);
    // Every span belongs to the run's trace.
    const traceIds = new Set(suite.env.tracing.spans().map((s) => s.spanContext().traceId));
    expect(traceIds.size).toBe(1);
  });
});
