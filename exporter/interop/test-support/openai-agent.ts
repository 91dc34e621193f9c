/**
 * A small agent as a foreign app writes it with the real `openai` client and no
 * agent-lineage SDK: its own request span (plain tracer) around keyword retrieval (no
 * spans), a chat call offering a tool, the tool run by the app, and a second chat call
 * that answers. Only the OpenAI instrumentation under test records the model calls.
 */
import { createHash } from 'node:crypto';
import { SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import {
  INTEROP_QUESTION,
  ORDER_TOOL_DESCRIPTION,
  ORDER_TOOL_NAME,
  orderStatus,
  retrieveChunks,
} from './interop-corpus.js';

/** What the run did, for the assertions. */
export interface OpenAiAgentResult {
  readonly runId: string;
  readonly answer: string;
  readonly answerSha256: string;
  /** Usage of each chat call, in call order, as the fake reported it. */
  readonly usage: readonly { prompt_tokens: number; completion_tokens: number }[];
  readonly retrievedIds: readonly string[];
}

const TOOLS: ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: ORDER_TOOL_NAME,
      description: ORDER_TOOL_DESCRIPTION,
      parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
    },
  },
];

/** Runs the agent under a root span of `tracer` (the app's own, not ours). */
export async function runOpenAiAgent(client: OpenAI, tracer: Tracer): Promise<OpenAiAgentResult> {
  return tracer.startActiveSpan('POST /support/ask', { root: true }, async (root) => {
    try {
      const chunks = retrieveChunks(INTEROP_QUESTION);
      const messages: ChatCompletionMessageParam[] = [
        {
          role: 'system',
          content: `Answer from these policy excerpts:\n${chunks.map((c) => `[${c.id}] ${c.text}`).join('\n')}`,
        },
        { role: 'user', content: INTEROP_QUESTION },
      ];
      const usage: { prompt_tokens: number; completion_tokens: number }[] = [];
      const first = await client.chat.completions.create({ model: 'gpt-4o', messages, tools: TOOLS });
      if (first.usage) usage.push(first.usage);
      const call = first.choices[0]?.message;
      if (!call) throw new Error('the fake model returned no choice');
      messages.push(call);
      for (const toolCall of call.tool_calls ?? []) {
        if (toolCall.type !== 'function') continue;
        const args = JSON.parse(toolCall.function.arguments) as { query: string };
        messages.push({ role: 'tool', tool_call_id: toolCall.id, content: orderStatus(args.query) });
      }
      const second = await client.chat.completions.create({ model: 'gpt-4o', messages, tools: TOOLS });
      if (second.usage) usage.push(second.usage);
      const answer = second.choices[0]?.message.content ?? '';
      root.setStatus({ code: SpanStatusCode.OK });
      return {
        runId: root.spanContext().traceId,
        answer,
        answerSha256: createHash('sha256').update(answer, 'utf8').digest('hex'),
        usage,
        retrievedIds: chunks.map((c) => c.id),
      };
    } finally {
      root.end();
    }
  });
}
