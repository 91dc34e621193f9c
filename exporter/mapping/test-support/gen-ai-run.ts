import type { SpanView } from '../../model/span-view.js';
import { recordViews } from './record-spans.js';

/** Texts the GenAI fixture carries, for hash assertions. */
export const GEN_AI_TEXT = {
  system: 'You are a weather agent.',
  user: 'Weather in Paris?',
  doc: 'Paris is in France.',
  toolResult: '{"temp":21}',
  answer: 'It is 21 degrees in Paris.',
} as const;

/**
 * A foreign run instrumented with OTel GenAI semconv only (no lineage.* attributes):
 * invoke_agent (1) → retrieval (2) → chat asking for a tool (3) → execute_tool (4) → chat
 * answering with the tool result (5).
 */
export function genAiRun(): SpanView[] {
  const x = GEN_AI_TEXT;
  return recordViews((t) => {
    const root = t.start('invoke_agent weather', {
      startMs: 0,
      attributes: {
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.agent.name': 'weather',
        'gen_ai.agent.id': 'agent-1',
      },
    });
    const retrieval = t.start('retrieval geo-index', {
      parent: root,
      startMs: 5,
      attributes: {
        'gen_ai.operation.name': 'retrieval',
        'gen_ai.data_source.id': 'geo-index',
        'gen_ai.retrieval.query.text': x.user,
        'gen_ai.retrieval.documents': JSON.stringify([
          { id: 'doc-7', score: 0.9, content: x.doc },
          { id: 'doc-8', score: 0.4 },
        ]),
      },
    });
    t.end(retrieval, 9);
    const chat1 = t.start('chat gpt-4o-mini', {
      parent: root,
      startMs: 10,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
        'gen_ai.usage.input_tokens': 50,
        'gen_ai.usage.output_tokens': 10,
        'gen_ai.system_instructions': JSON.stringify([{ type: 'text', content: x.system }]),
        'gen_ai.input.messages': JSON.stringify([
          { role: 'user', parts: [{ type: 'text', content: x.user }] },
        ]),
        'gen_ai.output.messages': JSON.stringify([
          {
            role: 'assistant',
            parts: [{ type: 'tool_call', id: 'call_9', name: 'get_weather', arguments: { city: 'Paris' } }],
            finish_reason: 'tool_call',
          },
        ]),
      },
    });
    t.end(chat1, 20);
    const tool = t.start('execute_tool get_weather', {
      parent: root,
      startMs: 21,
      attributes: {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': 'get_weather',
        'gen_ai.tool.call.id': 'call_9',
        'gen_ai.tool.call.arguments': '{"city":"Paris"}',
        'gen_ai.tool.call.result': x.toolResult,
      },
    });
    t.end(tool, 25);
    const chat2 = t.start('chat gpt-4o-mini', {
      parent: root,
      startMs: 26,
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
        'gen_ai.request.temperature': 0,
        'gen_ai.usage.input_tokens': 70,
        'gen_ai.usage.output_tokens': 12,
        'gen_ai.input.messages': JSON.stringify([
          { role: 'user', parts: [{ type: 'text', content: x.user }] },
          {
            role: 'assistant',
            parts: [{ type: 'tool_call', id: 'call_9', name: 'get_weather', arguments: { city: 'Paris' } }],
          },
          { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_9', response: x.toolResult }] },
        ]),
        'gen_ai.output.messages': JSON.stringify([
          { role: 'assistant', parts: [{ type: 'text', content: x.answer }], finish_reason: 'stop' },
        ]),
      },
    });
    t.end(chat2, 40);
    t.end(root, 45);
  });
}
