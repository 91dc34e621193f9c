import { describe, expect, it } from 'vitest';
import { chatResponse } from './chat.js';
import { responseAttributes } from './response-attributes.js';

const CALL = { id: 'c1', type: 'function', function: { name: 'lookup', arguments: '{"q":1}' } };

function parse(choices: unknown[]) {
  return chatResponse({ id: 'r1', model: 'gpt-4o-2024-08-06', choices, usage: { prompt_tokens: 3 } })?.info;
}

describe('chatResponse', () => {
  it('maps one plain-text choice to its text, and keeps id, model, usage and finish reason', () => {
    expect(parse([{ message: { role: 'assistant', content: 'Two.' }, finish_reason: 'stop' }])).toEqual({
      id: 'r1',
      model: 'gpt-4o-2024-08-06',
      finishReasons: ['stop'],
      toolCallIds: [],
      inputTokens: 3,
      outputTokens: undefined,
      output: 'Two.',
    });
  });

  it('treats an empty tool_calls list as no tool calls', () => {
    expect(parse([{ message: { content: 'Two.', tool_calls: [] } }])?.output).toBe('Two.');
  });

  it('maps tool calls, empty content and several choices to normalised assistant messages', () => {
    const withCall = parse([{ message: { content: null, tool_calls: [CALL] }, finish_reason: 'tool_calls' }]);
    expect(withCall?.output).toEqual([{ role: 'assistant', content: null, tool_calls: [CALL] }]);
    expect(withCall?.toolCallIds).toEqual(['c1']);
    expect(parse([{ message: { content: 'Let me look.', tool_calls: [CALL] } }])?.output).toEqual([
      { role: 'assistant', content: 'Let me look.', tool_calls: [CALL] },
    ]);
    expect(parse([{ message: { content: '' } }])?.output).toEqual([{ role: 'assistant', content: null }]);
    expect(parse([null])?.output).toEqual([{ role: 'assistant', content: null }]);
    const two = parse([
      { message: { content: 'A' }, finish_reason: 'stop' },
      { message: { content: 'B' }, finish_reason: 'length' },
    ]);
    expect(two?.output).toEqual([
      { role: 'assistant', content: 'A' },
      { role: 'assistant', content: 'B' },
    ]);
    expect(two?.finishReasons).toEqual(['stop', 'length']);
  });

  it('does not recognise a response without choices', () => {
    expect(chatResponse({ id: 'x' })).toBeUndefined();
    expect(chatResponse('text')).toBeUndefined();
  });
});

describe('responseAttributes', () => {
  it('keeps valid values only: non-empty strings (truncated), safe integers, string finish reasons', () => {
    const attributes = responseAttributes(
      {
        model: 'gpt-4o-2024-08-06',
        id: '',
        finishReasons: ['stop', 7 as unknown as string, 'x'.repeat(20)],
        inputTokens: 1.5,
        outputTokens: 12,
      },
      10,
    );
    expect(Object.fromEntries(Object.entries(attributes).filter(([, v]) => v !== undefined))).toEqual({
      'gen_ai.response.model': 'gpt-4o-202',
      'gen_ai.response.finish_reasons': ['stop', 'xxxxxxxxxx'],
      'gen_ai.usage.output_tokens': 12,
      'lineage.model.version': 'gpt-4o-202',
      'lineage.model.pinned': true,
    });
  });

  it('names the version from modelVersion when given, and sets no version without a model', () => {
    expect(responseAttributes({ model: 'gpt-4o', modelVersion: 'gpt-4o-2024-08-06' }, 100)).toMatchObject({
      'lineage.model.version': 'gpt-4o-2024-08-06',
      'lineage.model.pinned': true,
    });
    expect(responseAttributes({}, 100)).not.toHaveProperty('lineage.model.version');
  });
});
