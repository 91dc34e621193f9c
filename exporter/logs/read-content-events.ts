import canonicalize from 'canonicalize';
import { sha256Text } from '../mapping/content-hash.js';
import { type ChatMessage, readChatMessages } from '../mapping/read-messages.js';
import type { RejectedSpan } from '../model/lineage-record.js';
import type { Plain } from '../span-view/attribute-values.js';
import type { ContentEvent } from './content-event.js';
import type { LogView } from './log-view.js';

/** Per-message GenAI events (semconv ≤ 1.36, as `@opentelemetry/instrumentation-openai` emits them) → role. */
const ROLE_BY_EVENT: Readonly<Record<string, string>> = {
  'gen_ai.system.message': 'system',
  'gen_ai.user.message': 'user',
  'gen_ai.assistant.message': 'assistant',
  'gen_ai.tool.message': 'tool',
};
/** One completion choice: `{index, finish_reason, message: {role?, content?, tool_calls?}}`. */
const CHOICE_EVENT = 'gen_ai.choice';
/** Semconv ≥ 1.37: one event per call with `gen_ai.input.messages` / `gen_ai.output.messages` attributes. */
const DETAILS_EVENT = 'gen_ai.client.inference.operation.details';

/** What reading a batch of log records gave. */
export interface ContentEventsResult {
  readonly events: ContentEvent[];
  /** GenAI content records that cannot be used (no span to join, malformed body), each with a reason. */
  readonly rejected: RejectedSpan[];
  /** Records that are not GenAI content events (ordinary logs), or belong to unsampled spans: accepted, nothing to do. */
  readonly ignored: number;
}

function isObject(value: Plain | undefined): value is { [key: string]: Plain } {
  return value !== null && value !== undefined && typeof value === 'object' && !Array.isArray(value);
}

function nonEmpty(value: Plain | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Text of a content field: a string as is, structured content as canonical JSON (as span content is hashed). */
function textOf(value: Plain | undefined): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  return canonicalize(value);
}

/** OpenAI-style `tool_calls: [{id, type, function: {name, arguments}}]` → ChatMessage tool calls. */
function toolCallsOf(value: Plain | undefined): ChatMessage['toolCalls'] {
  if (!Array.isArray(value)) return undefined;
  const calls = value.filter(isObject).map((call) => {
    const fn = isObject(call.function) ? call.function : {};
    const id = nonEmpty(call.id);
    const name = nonEmpty(fn.name) ?? nonEmpty(call.name);
    const args = textOf(fn.arguments ?? call.arguments);
    return {
      ...(id !== undefined ? { id } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(args !== undefined && args !== '' ? { arguments: args } : {}),
    };
  });
  return calls.length > 0 ? calls : undefined;
}

/**
 * A message body (`{content?, tool_calls?, id?, role?}`) as a ChatMessage with the given
 * default role, and whether its content was withheld: no text and no tool call, or a tool
 * call without arguments (what instrumentations emit with content capture off).
 */
function messageOf(
  body: { [key: string]: Plain },
  role: string,
): { message: ChatMessage; withheld: boolean } {
  const content = textOf(body.content);
  const toolCalls = toolCallsOf(body.tool_calls);
  const toolCallId = role === 'tool' ? nonEmpty(body.id) : undefined;
  const withheld =
    toolCalls !== undefined ? toolCalls.some((c) => c.arguments === undefined) : content === undefined;
  return {
    message: {
      role: nonEmpty(body.role) ?? role,
      ...(content !== undefined ? { content } : {}),
      ...(toolCallId !== undefined ? { toolCallId } : {}),
      ...(toolCalls !== undefined ? { toolCalls } : {}),
    },
    withheld,
  };
}

type EventMessages = Pick<ContentEvent, 'input' | 'output' | 'inputWithheld' | 'outputWithheld'>;

class InvalidContentEvent extends Error {}

function messagesOf(view: LogView): EventMessages | undefined {
  const name = view.eventName;
  if (name === undefined) return undefined;
  const role = ROLE_BY_EVENT[name];
  if (role !== undefined) {
    // The instrumentation leaves the body empty ({}) when content capture is off: tool ids still join.
    const body = view.body === null ? {} : view.body;
    if (!isObject(body)) throw new InvalidContentEvent(`${name}: body is not an object`);
    const { message, withheld } = messageOf(body, role);
    return { input: [message], output: [], ...(withheld ? { inputWithheld: true } : {}) };
  }
  if (name === CHOICE_EVENT) {
    if (!isObject(view.body)) throw new InvalidContentEvent(`${name}: body is not an object`);
    const body = view.body.message ?? {};
    if (!isObject(body)) throw new InvalidContentEvent(`${name}: body.message is not an object`);
    const { message, withheld } = messageOf(body, 'assistant');
    return { input: [], output: [message], ...(withheld ? { outputWithheld: true } : {}) };
  }
  if (name === DETAILS_EVENT) {
    const messages = readChatMessages(view.attributes);
    // Semconv leaves the message attributes out entirely when content is not captured.
    return { input: [...messages.input], output: [...messages.output] };
  }
  return undefined;
}

/**
 * Reads the GenAI content events among log records (pure), in input order. Each becomes a
 * ContentEvent of the span it was emitted under, with an idempotency key from its time and
 * content (see ContentEvent.key), so a batch delivered twice yields the same keys. Records that are not GenAI content events are counted as
 * ignored; content events that name no span cannot be joined and are rejected.
 */
export function readContentEvents(views: readonly LogView[]): ContentEventsResult {
  const events: ContentEvent[] = [];
  const rejected: RejectedSpan[] = [];
  const occurrences = new Map<string, number>();
  let ignored = 0;
  for (const view of views) {
    let messages: ReturnType<typeof messagesOf>;
    try {
      messages = messagesOf(view);
    } catch (error) {
      rejected.push({
        ...(view.traceId !== undefined ? { traceId: view.traceId } : {}),
        ...(view.spanId !== undefined ? { spanId: view.spanId } : {}),
        reason: 'invalid_content_event',
        message: error instanceof Error ? error.message : String(error),
      });
      continue;
    }
    // Ordinary logs, and content of spans that were not sampled (they will never arrive).
    if (messages === undefined || !view.sampled) {
      ignored++;
      continue;
    }
    if (view.traceId === undefined || view.spanId === undefined) {
      rejected.push({
        ...(view.traceId !== undefined ? { traceId: view.traceId } : {}),
        reason: 'content_event_without_span',
        message: `${view.eventName} log record carries no trace and span id, so it cannot be joined to its model invocation (emit it inside the span's context)`,
      });
      continue;
    }
    const timeNs = view.timeNs.toString().padStart(20, '0');
    const contentKey = `${timeNs}.${sha256Text(canonicalize(messages) ?? '').slice(0, 16)}`;
    const seenKey = `${view.traceId}:${view.spanId}:${contentKey}`;
    const occurrence = occurrences.get(seenKey) ?? 0;
    occurrences.set(seenKey, occurrence + 1);
    events.push({
      runId: view.traceId,
      spanId: view.spanId,
      timeNs,
      key: `${contentKey}.${occurrence}`,
      ...messages,
    });
  }
  return { events, rejected, ignored };
}
