import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { sha256Json, sha256Text } from './hashing/sha256.js';
import { recordModelInvocation } from './model-invocation.js';
import { recordOutput } from './output.js';
import { startRun } from './run.js';
import { installTracing, linksOf, ref } from './test-support/tracing.js';
import { recordToolCall } from './tool-call.js';

const tracing = installTracing();
afterAll(() => tracing.shutdown());
beforeEach(() => tracing.reset());

describe('recordModelInvocation', () => {
  it('records every request attribute it knows, before the response arrives', () => {
    const messages = [
      { role: 'system', content: 'Rule one.' },
      { role: 'developer', content: 'Rule two.' },
      { role: 'user', content: 'Hi' },
    ];
    recordModelInvocation(
      {
        provider: 'openai',
        model: 'gpt-4o',
        operation: 'text_completion',
        messages,
        tools: [{ type: 'function', function: { name: 'f' } }],
        temperature: 0,
        topP: 1,
        maxTokens: 10,
        seed: 42,
        frequencyPenalty: 0.5,
        presencePenalty: -0.5,
        promptTemplate: { id: 'greeting', version: '3' },
      },
      () => undefined,
    );
    expect(tracing.span('text_completion gpt-4o').attributes).toEqual({
      'lineage.span.type': 'model_invocation',
      'gen_ai.operation.name': 'text_completion',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.request.temperature': 0,
      'gen_ai.request.top_p': 1,
      'gen_ai.request.max_tokens': 10,
      'gen_ai.request.seed': 42,
      'gen_ai.request.frequency_penalty': 0.5,
      'gen_ai.request.presence_penalty': -0.5,
      'lineage.prompt.template.id': 'greeting',
      'lineage.prompt.template.version': '3',
      // Several system prompts hash as one canonical JSON array.
      'lineage.prompt.system.sha256': sha256Json(['Rule one.', 'Rule two.']),
      'lineage.input.sha256': sha256Json(messages),
      'lineage.tools.sha256': sha256Json([{ type: 'function', function: { name: 'f' } }]),
      'lineage.model.version': 'gpt-4o',
      'lineage.model.pinned': false,
    });
  });

  it('hashes an Anthropic-style separate system prompt and infers tool results by tool_use_id', async () => {
    await startRun({ agentName: 'claude' }, async () => {
      await recordToolCall({ name: 'lookup', callId: 'toolu_9' }, async () => 'ok');
      await recordModelInvocation(
        {
          provider: 'anthropic',
          model: 'claude-3-5-haiku-20241022',
          system: 'Be brief.',
          messages: [
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: 'ok' }] },
          ],
        },
        async (scope) => {
          scope.setResponse({ output: 'Done.', modelVersion: 'claude-3-5-haiku-20241022', inputTokens: 3 });
          return { opaque: true };
        },
      );
    });
    const tool = tracing.span('execute_tool lookup');
    const model = tracing.span('chat claude-3-5-haiku-20241022');
    expect(model.attributes['lineage.prompt.system.sha256']).toBe(sha256Text('Be brief.'));
    expect(model.attributes['lineage.output.sha256']).toBe(sha256Text('Done.'));
    expect(model.attributes['gen_ai.usage.input_tokens']).toBe(3);
    expect(linksOf(model)).toEqual([
      {
        ...ref(tool),
        attributes: {
          'lineage.link.type': 'consumed',
          'lineage.link.entity.sha256': sha256Text('ok'),
          'lineage.link.inferred': true,
        },
      },
    ]);
  });

  it('does not make a failed invocation the default contributor of an output', async () => {
    await startRun({ agentName: 'retry' }, async () => {
      await recordModelInvocation({ provider: 'p', model: 'first-001' }, async () => 'First answer.');
      await expect(
        recordModelInvocation({ provider: 'p', model: 'second-001' }, async () =>
          Promise.reject(new Error('429')),
        ),
      ).rejects.toThrow('429');
      recordOutput({ content: 'First answer.', channel: 'api' });
    });
    expect(linksOf(tracing.span('output api'))).toEqual([
      {
        ...ref(tracing.span('chat first-001')),
        attributes: {
          'lineage.link.type': 'contributed_to',
          'lineage.link.entity.sha256': sha256Text('First answer.'),
          'lineage.link.inferred': true,
        },
      },
    ]);
  });

  it('records no output contributor outside a run', () => {
    recordOutput({ content: 'x', channel: 'api' });
    expect(linksOf(tracing.span('output api'))).toEqual([]);
  });
});
