import canonicalize from 'canonicalize';
import type { Attrs, SpanEventView } from '../model/span-view.js';
import { readIndexed, readJson } from './attr-read.js';

/** One chat message as any dialect records it, reduced to what lineage needs. */
export interface ChatMessage {
  readonly role?: string;
  /** Text content (structured content is canonical JSON). */
  readonly content?: string;
  /** For a tool-result message: the tool call it answers. */
  readonly toolCallId?: string;
  /** For an assistant message: the tool calls it issued (id, name, arguments). */
  readonly toolCalls?: readonly {
    readonly id?: string;
    readonly name?: string;
    readonly arguments?: string;
  }[];
}

/** Request and response messages of a model invocation. */
export interface ChatMessages {
  readonly input: readonly ChatMessage[];
  readonly output: readonly ChatMessage[];
}

function textOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  try {
    return canonicalize(value);
  } catch {
    // Structured content with no JSON form is left unhashed.
    return undefined;
  }
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== ''
    ? value
    : typeof value === 'number'
      ? String(value)
      : undefined;
}

/** OTel GenAI `gen_ai.input.messages` / `gen_ai.output.messages`: `[{role, parts: [{type, content | id | response …}]}]`. */
function fromGenAiJson(value: unknown): ChatMessage[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: ChatMessage[] = [];
  for (const message of value) {
    if (message === null || typeof message !== 'object') continue;
    const m = message as { role?: unknown; parts?: unknown; content?: unknown };
    const parts = Array.isArray(m.parts) ? (m.parts as Record<string, unknown>[]) : [];
    const texts: string[] = [];
    const toolCalls: { id?: string; name?: string; arguments?: string }[] = [];
    let toolCallId: string | undefined;
    for (const part of parts) {
      if (part === null || typeof part !== 'object') continue;
      if (part.type === 'text' || part.type === 'reasoning') {
        // `content` per semconv; some instrumentations write reasoning summaries as `text`.
        const t = textOf(part.content ?? part.text);
        if (t !== undefined) texts.push(t);
      } else if (part.type === 'tool_call') {
        const id = str(part.id);
        const name = str(part.name);
        const args = textOf(part.arguments);
        toolCalls.push({
          ...(id ? { id } : {}),
          ...(name ? { name } : {}),
          ...(args ? { arguments: args } : {}),
        });
      } else if (part.type === 'tool_call_response') {
        toolCallId = str(part.id);
        const t = textOf(part.response ?? part.result);
        if (t !== undefined) texts.push(t);
      }
    }
    // Older shapes put the text straight into `content`.
    if (texts.length === 0 && m.content !== undefined) {
      const t = textOf(m.content);
      if (t !== undefined) texts.push(t);
    }
    const role = str(m.role);
    out.push({
      ...(role ? { role } : {}),
      ...(texts.length > 0 ? { content: texts.join('') } : {}),
      ...(toolCallId ? { toolCallId } : {}),
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
    });
  }
  return out;
}

/** OpenLLMetry `gen_ai.prompt.N.*` / `gen_ai.completion.N.*`. */
function fromTraceloop(attrs: Attrs, prefix: string): ChatMessage[] {
  return readIndexed(attrs, prefix).map(([, g]) => {
    const toolCalls = readIndexed(g, 'tool_calls.').map(([, c]) => ({
      ...(str(c.id) ? { id: String(c.id) } : {}),
      ...(str(c.name) ? { name: String(c.name) } : {}),
      ...(str(c.arguments) ? { arguments: String(c.arguments) } : {}),
    }));
    return {
      ...(str(g.role) ? { role: String(g.role) } : {}),
      ...(str(g.content) ? { content: String(g.content) } : {}),
      ...(str(g.tool_call_id) ? { toolCallId: String(g.tool_call_id) } : {}),
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
    };
  });
}

/** OpenInference `llm.input_messages.N.message.*` / `llm.output_messages.N.message.*`. */
function fromOpenInference(attrs: Attrs, prefix: string): ChatMessage[] {
  return readIndexed(attrs, prefix).map(([, g]) => {
    let content = str(g['message.content']);
    if (content === undefined) {
      // Multi-part content: message.contents.M.message_content.text
      const parts = readIndexed(g, 'message.contents.')
        .map(([, p]) => str(p['message_content.text']))
        .filter((t): t is string => t !== undefined);
      if (parts.length > 0) content = parts.join('');
    }
    const toolCalls = readIndexed(g, 'message.tool_calls.').map(([, c]) => ({
      ...(str(c['tool_call.id']) ? { id: String(c['tool_call.id']) } : {}),
      ...(str(c['tool_call.function.name']) ? { name: String(c['tool_call.function.name']) } : {}),
      ...(str(c['tool_call.function.arguments'])
        ? { arguments: String(c['tool_call.function.arguments']) }
        : {}),
    }));
    const toolCallId = str(g['message.tool_call_id']);
    return {
      ...(str(g['message.role']) ? { role: String(g['message.role']) } : {}),
      ...(content !== undefined ? { content } : {}),
      ...(toolCallId ? { toolCallId } : {}),
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
    };
  });
}

/** Older OTel GenAI (semconv ≤ 1.27): span events `gen_ai.content.prompt` / `.completion` carrying a JSON `[{role, content}]`. */
function fromLegacyEvents(events: readonly SpanEventView[], eventName: string, key: string): ChatMessage[] {
  const event = events.find((e) => e.name === eventName);
  const parsed = event !== undefined ? readJson(event.attributes, key) : undefined;
  if (!Array.isArray(parsed)) return [];
  return parsed
    .filter((m): m is Record<string, unknown> => m !== null && typeof m === 'object')
    .map((m) => {
      const role = str(m.role);
      const content = textOf(m.content);
      const toolCallId = str(m.tool_call_id);
      return {
        ...(role ? { role } : {}),
        ...(content !== undefined ? { content } : {}),
        ...(toolCallId ? { toolCallId } : {}),
      };
    });
}

/**
 * Reads request and response messages from whichever convention the span uses: OTel
 * GenAI JSON attributes (or the older `gen_ai.content.*` span events), OpenLLMetry indexed
 * `gen_ai.prompt/completion`, or OpenInference indexed `llm.input_messages/output_messages`.
 * Empty when content was not recorded.
 */
export function readChatMessages(attrs: Attrs, events: readonly SpanEventView[] = []): ChatMessages {
  const genAiIn = fromGenAiJson(readJson(attrs, 'gen_ai.input.messages'));
  const genAiOut = fromGenAiJson(readJson(attrs, 'gen_ai.output.messages'));
  const systemJson = readJson(attrs, 'gen_ai.system_instructions');
  const system: ChatMessage[] = Array.isArray(systemJson)
    ? [
        {
          role: 'system',
          content: systemJson.map((p) => textOf((p as { content?: unknown })?.content) ?? '').join(''),
        },
      ]
    : [];
  const input = genAiIn ?? fromLegacyEvents(events, 'gen_ai.content.prompt', 'gen_ai.prompt');
  const output = genAiOut ?? fromLegacyEvents(events, 'gen_ai.content.completion', 'gen_ai.completion');
  const tlIn = input.length === 0 ? fromTraceloop(attrs, 'gen_ai.prompt.') : [];
  const tlOut = output.length === 0 ? fromTraceloop(attrs, 'gen_ai.completion.') : [];
  const oiIn = input.length === 0 && tlIn.length === 0 ? fromOpenInference(attrs, 'llm.input_messages.') : [];
  const oiOut =
    output.length === 0 && tlOut.length === 0 ? fromOpenInference(attrs, 'llm.output_messages.') : [];
  return {
    input: [...system, ...input, ...tlIn, ...oiIn],
    output: [...output, ...tlOut, ...oiOut],
  };
}
