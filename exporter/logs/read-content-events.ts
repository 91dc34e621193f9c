import canonicalize from 'canonicalize';
import { readJson } from '../mapping/attr-read.js';
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

/**
 * OpenAI-style `tool_calls: [{id, type, function: {name, arguments}}]` → ChatMessage tool
 * calls, and whether arguments were withheld (a `function` without `arguments`, which is what
 * instrumentations send with content capture off). Empty arguments are kept out of the
 * message, as the span path does, but are not withheld; custom tools have no `function`.
 */
function toolCallsOf(value: Plain | undefined): { calls: ChatMessage['toolCalls']; withheld: boolean } {
  if (!Array.isArray(value)) return { calls: undefined, withheld: false };
  let withheld = false;
  const calls = value.filter(isObject).map((call) => {
    const fn = isObject(call.function) ? call.function : undefined;
    const rawArgs = fn?.arguments ?? call.arguments;
    if (fn !== undefined && rawArgs === undefined) withheld = true;
    const id = nonEmpty(call.id);
    const name = nonEmpty(fn?.name) ?? nonEmpty(call.name);
    const args = textOf(rawArgs);
    return {
      ...(id !== undefined ? { id } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(args !== undefined && args !== '' ? { arguments: args } : {}),
    };
  });
  return { calls: calls.length > 0 ? calls : undefined, withheld };
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
  const { calls: toolCalls, withheld: argsWithheld } = toolCallsOf(body.tool_calls);
  const toolCallId = role === 'tool' ? nonEmpty(body.id) : undefined;
  const withheld = toolCalls !== undefined ? argsWithheld : content === undefined;
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

/**
 * Whether GenAI JSON messages (`[{role, parts: [...]}]`) lack content an instrumentation left
 * out: a text part without text, a tool call without arguments, a tool response without one.
 * The official instrumentation still emits the messages with capture off, only emptied.
 */
function partsWithheld(messages: unknown): boolean {
  if (!Array.isArray(messages)) return false;
  for (const m of messages) {
    const parts = (m as { parts?: unknown })?.parts;
    if (!Array.isArray(parts)) continue;
    for (const part of parts as Record<string, unknown>[]) {
      if (part === null || typeof part !== 'object') continue;
      if (part.type === 'text' && part.content == null && part.text == null) return true;
      if (part.type === 'tool_call' && part.arguments === undefined) return true;
      if (part.type === 'tool_call_response' && part.response === undefined && part.result === undefined)
        return true;
    }
  }
  return false;
}

/** A message that says nothing (a reasoning item with an empty summary): not part of the answer. */
function hasSubstance(m: ChatMessage): boolean {
  return (
    (m.content !== undefined && m.content !== '') || m.toolCalls !== undefined || m.toolCallId !== undefined
  );
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
    const a = view.attributes;
    const messages = readChatMessages(a);
    const inputWithheld =
      partsWithheld(readJson(a, 'gen_ai.input.messages')) ||
      partsWithheld([{ parts: readJson(a, 'gen_ai.system_instructions') }]);
    const outputWithheld = partsWithheld(readJson(a, 'gen_ai.output.messages'));
    return {
      input: [...messages.input],
      output: messages.output.filter(hasSubstance),
      ...(inputWithheld ? { inputWithheld: true } : {}),
      ...(outputWithheld ? { outputWithheld: true } : {}),
    };
  }
  return undefined;
}

/**
 * Reads the GenAI content events among log records (pure), in input order. Each becomes a
 * ContentEvent of the span it was emitted under. Its key is built from the emit time, a
 * digest of everything this batch carries for that span, and the position in it: a batch
 * delivered again yields the same keys (idempotent), while the same message repeated in a
 * later batch (a user saying "yes" twice, split by the log processor) is a new event.
 * Records of unsampled spans and records that are not GenAI content events are counted as
 * ignored; content events that name no span cannot be joined and are rejected.
 */
export function readContentEvents(views: readonly LogView[]): ContentEventsResult {
  const rejected: RejectedSpan[] = [];
  const bySpan = new Map<string, { view: LogView; messages: EventMessages }[]>();
  let ignored = 0;
  for (const view of views) {
    // Content of spans that were not sampled: their spans will never arrive.
    if (!view.sampled) {
      ignored++;
      continue;
    }
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
    if (messages === undefined) {
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
    const spanKey = `${view.traceId}:${view.spanId}`;
    const list = bySpan.get(spanKey) ?? [];
    list.push({ view, messages });
    bySpan.set(spanKey, list);
  }
  const events: ContentEvent[] = [];
  for (const list of bySpan.values()) {
    const times = list.map(({ view }) => view.timeNs.toString().padStart(20, '0'));
    const digest = sha256Text(canonicalize(list.map(({ messages }, i) => [times[i], messages])) ?? '').slice(
      0,
      16,
    );
    list.forEach(({ view, messages }, i) => {
      const timeNs = times[i] as string;
      events.push({
        runId: view.traceId as string,
        spanId: view.spanId as string,
        timeNs,
        key: `${timeNs}.${digest}.${i}`,
        ...messages,
      });
    });
  }
  return { events, rejected, ignored };
}
