import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { sha256Json, sha256Text } from './hashing/sha256.js';
import { recordModelInvocation } from './model-invocation.js';
import { recordOutput } from './output.js';
import { startRun } from './run.js';
import { installTracing, linksOf, parentId, ref } from './test-support/tracing.js';
import { recordToolCall } from './tool-call.js';

const tracing = installTracing();
afterAll(() => tracing.shutdown());
beforeEach(() => tracing.reset());

const TOOL = {
  type: 'function',
  function: { name: 'get_rate', description: 'Current rate for a product', parameters: { type: 'object' } },
};

type Message = Record<string, unknown>;

/** A fake model: asks for the rate tool until it has `rounds` results, then answers. */
function fakeModel(messages: readonly Message[], rounds: number) {
  const results = messages.filter((m) => m.role === 'tool').length;
  const message =
    results < rounds
      ? {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: `call_${results + 1}`,
              type: 'function',
              function: { name: 'get_rate', arguments: `{"n":${results + 1}}` },
            },
          ],
        }
      : { role: 'assistant', content: 'The best rate is 4.3%.' };
  return {
    id: `cmpl-${results + 1}`,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, finish_reason: results < rounds ? 'tool_calls' : 'stop', message }],
    usage: { prompt_tokens: 10 * (results + 1), completion_tokens: 5 },
  };
}

describe('a tool loop', () => {
  it('links every model invocation to the tool results and earlier turns it consumed', async () => {
    const rounds = 3;
    await startRun({ agentName: 'rates' }, async () => {
      const messages: Message[] = [
        { role: 'system', content: 'Use tools.' },
        { role: 'user', content: 'Best rate?' },
      ];
      for (;;) {
        const response = await recordModelInvocation(
          { provider: 'openai', model: 'gpt-4o-mini', messages: [...messages], tools: [TOOL] },
          async () => fakeModel(messages, rounds),
        );
        const message = response.choices[0]!.message as Message & {
          tool_calls?: { id: string; function: { arguments: string } }[];
        };
        messages.push(message);
        if (!message.tool_calls) break;
        for (const call of message.tool_calls) {
          const args = JSON.parse(call.function.arguments) as { n: number };
          const result = await recordToolCall(
            {
              name: 'get_rate',
              callId: call.id,
              type: 'function',
              version: '2.1.0',
              definition: TOOL,
              arguments: args,
            },
            async () => ({ rate: 4 + args.n / 10 }),
          );
          messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(result) });
        }
      }
      recordOutput({ content: message(messages), channel: 'api' });
    });

    const run = tracing.span('invoke_agent rates');
    const models = tracing.spans().filter((s) => s.name === 'chat gpt-4o-mini');
    const tools = tracing.spans().filter((s) => s.name === 'execute_tool get_rate');
    expect(models).toHaveLength(rounds + 1);
    expect(tools).toHaveLength(rounds);
    for (const s of [...models, ...tools]) expect(parentId(s)).toBe(run.spanContext().spanId);

    tools.forEach((tool, i) => {
      const result = { rate: 4 + (i + 1) / 10 };
      expect(tool.attributes).toEqual({
        'lineage.span.type': 'tool_call',
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': 'get_rate',
        'gen_ai.tool.call.id': `call_${i + 1}`,
        'gen_ai.tool.type': 'function',
        'lineage.tool.version': '2.1.0',
        'lineage.tool.definition.sha256': sha256Json(TOOL),
        'lineage.input.sha256': sha256Json({ n: i + 1 }),
        'lineage.output.sha256': sha256Json(result),
        'lineage.datasource.count': 1,
        'lineage.datasource.dropped': 0,
      });
      expect(tool.events.map((e) => [e.name, e.attributes])).toEqual([
        [
          'lineage.datasource',
          {
            'lineage.datasource.id': `call_${i + 1}`,
            'lineage.datasource.kind': 'tool_output',
            'lineage.content.sha256': sha256Json(result),
            'lineage.content.size': JSON.stringify(result).length,
          },
        ],
      ]);
    });

    const inferred = (span: ReadableSpan, sha: unknown) => ({
      ...ref(span),
      attributes: {
        'lineage.link.type': 'consumed',
        'lineage.link.entity.sha256': sha,
        'lineage.link.inferred': true,
      },
    });
    models.forEach((model, k) => {
      expect(model.attributes['lineage.tools.sha256']).toBe(sha256Json([TOOL]));
      expect(model.attributes['lineage.model.version']).toBe('gpt-4o-mini-2024-07-18');
      expect(model.attributes['gen_ai.response.finish_reasons']).toEqual([
        k < rounds ? 'tool_calls' : 'stop',
      ]);
      // Turn k carries every earlier assistant tool call and tool result of the conversation.
      const expected = [];
      for (let j = 0; j < k; j++) {
        expected.push(inferred(models[j]!, models[j]!.attributes['lineage.output.sha256']));
        expected.push(inferred(tools[j]!, tools[j]!.attributes['lineage.output.sha256']));
      }
      expect(linksOf(model)).toEqual(expected);
    });
    const last = models[rounds]!;
    expect(last.attributes['lineage.output.sha256']).toBe(sha256Text('The best rate is 4.3%.'));

    const output = tracing.span('output api');
    expect(linksOf(output)).toEqual([
      {
        ...ref(last),
        attributes: {
          'lineage.link.type': 'contributed_to',
          'lineage.link.entity.sha256': sha256Text('The best rate is 4.3%.'),
          'lineage.link.inferred': true,
        },
      },
    ]);
  });

  it('passes a failing tool exception through and records the failure', async () => {
    const error = new Error('rate service down');
    await expect(
      startRun({ agentName: 'fail' }, () =>
        recordToolCall({ name: 'get_rate', callId: 'c1' }, async () => Promise.reject(error)),
      ),
    ).rejects.toBe(error);
    const tool = tracing.span('execute_tool get_rate');
    expect(tool.status).toEqual({ code: 2, message: 'rate service down' });
    expect(tool.attributes['lineage.datasource.count']).toBe(0);
    expect(tool.attributes['lineage.output.sha256']).toBeUndefined();
  });

  it('lets the tool declare its result explicitly and record the API response it used', () => {
    const result = recordToolCall({ name: 'fetch' }, (scope) => {
      scope.addSource({
        kind: 'api_response',
        uri: 'https://api.example.com/v1/x',
        content: 'raw body',
        request: 'GET /v1/x',
      });
      scope.setResult('parsed');
      return 'returned-object';
    });
    expect(result).toBe('returned-object');
    const tool = tracing.span('execute_tool fetch');
    expect(tool.attributes['lineage.output.sha256']).toBe(sha256Text('parsed'));
    expect(tool.attributes['lineage.datasource.count']).toBe(2);
    expect(tool.events.map((e) => e.attributes?.['lineage.datasource.kind'])).toEqual([
      'api_response',
      'tool_output',
    ]);
  });
});

function message(messages: readonly Message[]): string {
  return String(messages[messages.length - 1]?.content);
}
