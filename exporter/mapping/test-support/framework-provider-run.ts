import type { Attributes } from '@opentelemetry/api';
import type { SpanView } from '../../model/span-view.js';
import { recordViews } from './record-spans.js';

/** Scope of the framework-level (LangChain) spans of the fixture. */
export const FRAMEWORK_SCOPE = '@traceloop/instrumentation-langchain';
/** Scope of the provider-level (OpenAI client) spans of the fixture. */
export const PROVIDER_SCOPE = '@traceloop/instrumentation-openai';

/** Texts the fixture carries. */
export const FP_TEXT = {
  system: 'Answer from the policy.',
  user: 'Where is order 42?',
  toolResult: 'Order 42 shipped.',
  answer: 'It shipped.',
} as const;

const TOOL_CALL = { type: 'tool_call', id: 'call_1', name: 'order_status', arguments: { query: '42' } };

function text(role: string, content: string) {
  return { role, parts: [{ type: 'text', content }] };
}

function chat(
  input: unknown[],
  output: unknown[],
  usage: readonly [number, number],
  responseModel: string,
): Attributes {
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.response.model': responseModel,
    'gen_ai.input.messages': JSON.stringify(input),
    'gen_ai.output.messages': JSON.stringify(output),
    'gen_ai.usage.input_tokens': usage[0],
    'gen_ai.usage.output_tokens': usage[1],
  };
}

/**
 * What Traceloop's SDK default emits for a LangChain agent on OpenAI (see
 * exporter/interop/traceloop-langchain-openai.test.ts), reduced: app span (1, root) →
 * LangChain chat (2) ⊃ OpenAI chat (3, issues tool call call_1) ; tool (4) ; LangChain chat (5)
 * ⊃ OpenAI chat (6, answers). All are children of the root; each OpenAI span lies inside its
 * LangChain span's time window and reports the same usage. With `provider: false` only the
 * LangChain spans are recorded (the framework instrumentation alone).
 */
export function frameworkProviderRun(options: { provider: boolean } = { provider: true }): SpanView[] {
  const x = FP_TEXT;
  const scopes = new Map<string, string>();
  const views = recordViews((t) => {
    const root = t.start('POST /ask', { startMs: 0 });
    const framework1 = t.start('chat gpt-4o', {
      parent: root,
      startMs: 1,
      attributes: chat(
        [text('system', x.system), text('user', x.user)],
        [text('assistant', '')],
        [30, 5],
        'gpt-4o',
      ),
    });
    scopes.set(framework1.spanContext().spanId, FRAMEWORK_SCOPE);
    if (options.provider) {
      const provider1 = t.start('chat gpt-4o', {
        parent: root,
        startMs: 2,
        attributes: chat(
          [text('system', x.system), text('user', x.user)],
          [{ role: 'assistant', parts: [TOOL_CALL] }],
          [30, 5],
          'gpt-4o-2024-08-06',
        ),
      });
      scopes.set(provider1.spanContext().spanId, PROVIDER_SCOPE);
      t.end(provider1, 9);
    }
    t.end(framework1, 11);
    const tool = t.start('execute_tool order_status', {
      parent: root,
      startMs: 12,
      attributes: {
        'gen_ai.operation.name': 'execute_tool',
        'traceloop.span.kind': 'task',
        'traceloop.entity.name': 'order_status',
        'traceloop.entity.output': x.toolResult,
      },
    });
    scopes.set(tool.spanContext().spanId, FRAMEWORK_SCOPE);
    t.end(tool, 14);
    const framework2 = t.start('chat gpt-4o', {
      parent: root,
      startMs: 15,
      attributes: chat(
        [text('system', x.system), text('user', x.user), text('assistant', ''), text('tool', x.toolResult)],
        [text('assistant', x.answer)],
        [50, 3],
        'gpt-4o',
      ),
    });
    scopes.set(framework2.spanContext().spanId, FRAMEWORK_SCOPE);
    if (options.provider) {
      const provider2 = t.start('chat gpt-4o', {
        parent: root,
        startMs: 16,
        attributes: chat(
          [
            text('system', x.system),
            text('user', x.user),
            { role: 'assistant', parts: [TOOL_CALL] },
            { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: x.toolResult }] },
          ],
          [text('assistant', x.answer)],
          [50, 3],
          'gpt-4o-2024-08-06',
        ),
      });
      scopes.set(provider2.spanContext().spanId, PROVIDER_SCOPE);
      t.end(provider2, 24);
    }
    t.end(framework2, 26);
    t.end(root, 30);
  });
  return views.map((v) => {
    const scope = scopes.get(v.spanId);
    return scope === undefined ? v : { ...v, scope: { name: scope, version: '0.27.0' } };
  });
}
