/**
 * The GenAI fixture run (mapping/test-support/gen-ai-run.ts) as the official OpenAI
 * instrumentation records it: spans without message content, and the content as log
 * records (captureMessageContent on). Shared by the log-merge, store and finaliser tests.
 */
import { mapSpans } from '../../mapping/map-spans.js';
import { genAiRun, GEN_AI_TEXT as X } from '../../mapping/test-support/gen-ai-run.js';
import type { MappedBatch } from '../../model/lineage-record.js';
import type { SpanView } from '../../model/span-view.js';
import type { LogView } from '../log-view.js';

const CONTENT_ATTRIBUTES = ['gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.system_instructions'];

/** The tool call the fixture's first chat asks for, as OpenAI writes it. */
export const FIXTURE_TOOL_CALL = {
  id: 'call_9',
  type: 'function',
  function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
};

/** The fixture's spans with the message content attributes removed, and their mapping. */
export function contentFreeRun(): { views: SpanView[]; batch: MappedBatch } {
  const views = genAiRun().map((v) => ({
    ...v,
    attributes: Object.fromEntries(
      Object.entries(v.attributes).filter(([k]) => !CONTENT_ATTRIBUTES.includes(k)),
    ),
  }));
  return { views, batch: mapSpans(views, { captureContent: false }) };
}

/** The content log records the official instrumentation emits for the fixture's two chats. */
export function officialContentLogs(): LogView[] {
  const chats = genAiRun().filter((v) => v.name.startsWith('chat '));
  const [chat1, chat2] = chats as [SpanView, SpanView];
  const log = (span: SpanView, eventName: string, body: LogView['body'], timeMs: number): LogView => ({
    traceId: span.traceId,
    spanId: span.spanId,
    sampled: true,
    timeNs: BigInt(timeMs) * 1_000_000n,
    eventName,
    attributes: { 'event.name': eventName, 'gen_ai.system': 'openai' },
    body,
  });
  const t1 = chat1.startTimeMs;
  const t2 = chat2.startTimeMs;
  return [
    log(chat1, 'gen_ai.system.message', { content: X.system }, t1),
    log(chat1, 'gen_ai.user.message', { content: X.user }, t1),
    log(
      chat1,
      'gen_ai.choice',
      { index: 0, finish_reason: 'tool_calls', message: { tool_calls: [FIXTURE_TOOL_CALL] } },
      chat1.endTimeMs,
    ),
    log(chat2, 'gen_ai.user.message', { content: X.user }, t2),
    log(chat2, 'gen_ai.assistant.message', { tool_calls: [FIXTURE_TOOL_CALL] }, t2),
    log(chat2, 'gen_ai.tool.message', { id: 'call_9', content: X.toolResult }, t2),
    log(
      chat2,
      'gen_ai.choice',
      { index: 0, finish_reason: 'stop', message: { content: X.answer } },
      chat2.endTimeMs,
    ),
  ];
}
