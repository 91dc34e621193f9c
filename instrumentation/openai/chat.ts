import type { Attributes } from '@opentelemetry/api';
import { scanMessages } from '../../src/message-scan.js';
import type { ModelResponseInfo } from '../../src/model-response.js';
import {
  ATTR_GEN_AI_OUTPUT_TYPE,
  ATTR_GEN_AI_REQUEST_CHOICE_COUNT,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
} from './attributes.js';
import type { InvocationRequest, InvocationResponse } from './invocation.js';
import { type Dict, dict, num, str } from './types.js';

/**
 * Maps `chat.completions.create` params. Messages, system/developer prompts and tools are
 * hashed by the SDK's rules; `max_completion_tokens` wins over the deprecated `max_tokens`.
 */
export function chatRequest(params: Dict): InvocationRequest {
  // Created only when needed: most calls set none of these.
  let attributes: Attributes | undefined;
  const n = num(params.n);
  if (n !== undefined && n !== 1 && Number.isSafeInteger(n)) {
    attributes = {};
    attributes[ATTR_GEN_AI_REQUEST_CHOICE_COUNT] = n;
  }
  const stop = params.stop;
  const stopSequences =
    typeof stop === 'string'
      ? [stop]
      : Array.isArray(stop)
        ? stop.filter((s): s is string => typeof s === 'string')
        : [];
  if (stopSequences.length > 0) {
    attributes ??= {};
    attributes[ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = stopSequences;
  }
  const format = params.response_format === undefined ? undefined : str(dict(params.response_format)?.type);
  if (format !== undefined) {
    attributes ??= {};
    attributes[ATTR_GEN_AI_OUTPUT_TYPE] = format === 'text' ? 'text' : 'json';
  }
  const messages = params.messages;
  return {
    request: {
      provider: 'openai',
      operation: 'chat',
      model: str(params.model),
      messages,
      tools: params.tools,
      temperature: num(params.temperature),
      topP: num(params.top_p),
      maxTokens: num(params.max_completion_tokens) ?? num(params.max_tokens),
      seed: num(params.seed),
      frequencyPenalty: num(params.frequency_penalty),
      presencePenalty: num(params.presence_penalty),
    },
    extra: attributes,
    scan: scanMessages,
    content: messages,
  };
}

/** One tool call of an assistant message, in the normalised form that is hashed. */
interface ToolCall {
  /** Left out when the response has none: canonical JSON has no `undefined`. */
  id?: string;
  type: string;
  function: { name: string; arguments: string };
}

/** An assistant message in the normalised form that is hashed: role, content, tool calls. */
interface AssistantMessage {
  role: string;
  content: string | null;
  tool_calls?: ToolCall[];
}

/**
 * The output hash of a chat answer. One plain-text choice hashes as its UTF-8 text (so the
 * same words in a later prompt match by content); anything else — tool calls, parallel tool
 * calls, several choices — as the canonical JSON of the normalised assistant messages
 * (`{role, content, tool_calls:[{id, type, function:{name, arguments}}]}`, empty content as
 * `null`). Normalising
 * makes a streamed answer hash exactly like the same answer returned whole.
 */
export function chatOutput(messages: readonly AssistantMessage[]): unknown {
  const only = messages.length === 1 ? messages[0] : undefined;
  if (only !== undefined && only.tool_calls === undefined && typeof only.content === 'string')
    return only.content;
  return messages;
}

/** Parses a whole (non-streamed) chat completion. */
export function chatResponse(result: unknown): InvocationResponse | undefined {
  const r = dict(result);
  if (r === undefined || !Array.isArray(r.choices)) return undefined;
  const finishReasons: string[] = [];
  const toolCallIds: string[] = [];
  let output: unknown;
  const only = r.choices.length === 1 ? dict(r.choices[0]) : undefined;
  const text = plainText(dict(only?.message));
  if (text !== undefined) {
    // The usual answer, one choice of plain text: its output is that text (see chatOutput).
    const reason = str(only?.finish_reason);
    if (reason !== undefined) finishReasons.push(reason);
    output = text;
  } else {
    const messages: AssistantMessage[] = [];
    for (const choice of r.choices) {
      const c = dict(choice);
      const reason = str(c?.finish_reason);
      if (reason !== undefined) finishReasons.push(reason);
      const message = normaliseMessage(dict(c?.message));
      messages.push(message);
      for (const call of message.tool_calls ?? []) if (call.id !== undefined) toolCallIds.push(call.id);
    }
    output = chatOutput(messages);
  }
  const usage = dict(r.usage);
  const info: ModelResponseInfo = {
    model: str(r.model),
    id: str(r.id),
    finishReasons,
    toolCallIds,
    inputTokens: num(usage?.prompt_tokens),
    outputTokens: num(usage?.completion_tokens),
    output,
  };
  return { info, tracked: true };
}

/**
 * The content of a message that {@link chatOutput} hashes as plain text once normalised:
 * non-empty string content and no tool calls. Undefined otherwise.
 */
function plainText(message: Dict | undefined): string | undefined {
  const content = message?.content;
  if (typeof content !== 'string' || content.length === 0) return undefined;
  const calls = message?.tool_calls;
  return Array.isArray(calls) && calls.length > 0 ? undefined : content;
}

function normaliseMessage(message: Dict | undefined): AssistantMessage {
  const out: AssistantMessage = {
    role: str(message?.role) ?? 'assistant',
    content: contentOrNull(message?.content),
  };
  if (Array.isArray(message?.tool_calls) && message.tool_calls.length > 0) {
    out.tool_calls = message.tool_calls.map((raw) => {
      const call = dict(raw);
      const fn = dict(call?.function);
      const out: ToolCall = {
        type: str(call?.type) ?? 'function',
        function: { name: str(fn?.name) ?? '', arguments: str(fn?.arguments) ?? '' },
      };
      const id = str(call?.id);
      if (id !== undefined) out.id = id;
      return out;
    });
  }
  return out;
}

/**
 * Empty or absent content is `null`: a stream announces a tool-call message with
 * `content: ''` where the whole response says `null`, and both must hash alike.
 */
function contentOrNull(content: unknown): string | null {
  return typeof content === 'string' && content.length > 0 ? content : null;
}

/** Per-choice state of a streamed answer. */
interface ChoiceState {
  role: string | undefined;
  content: string | undefined;
  finishReason: string | undefined;
  toolCalls: Map<number, ToolCall>;
}

/**
 * Reassembles a streamed chat completion from its chunks (content deltas, tool-call deltas
 * merged by index, parallel tool calls, several choices, the trailing usage chunk).
 */
export class ChatStreamAccumulator {
  private model: string | undefined;
  private id: string | undefined;
  private inputTokens: number | undefined;
  private outputTokens: number | undefined;
  private recognised = false;
  private readonly choices = new Map<number, ChoiceState>();

  /** Folds one chunk in; returns true when it carried generated content (a token). */
  add(chunk: unknown): boolean {
    const c = dict(chunk);
    if (c === undefined || !Array.isArray(c.choices)) return false;
    this.recognised = true;
    this.model ??= str(c.model);
    this.id ??= str(c.id);
    const usage = dict(c.usage);
    if (usage !== undefined) {
      this.inputTokens = num(usage.prompt_tokens) ?? this.inputTokens;
      this.outputTokens = num(usage.completion_tokens) ?? this.outputTokens;
    }
    let token = false;
    for (const raw of c.choices) {
      const choice = dict(raw);
      if (choice === undefined) continue;
      const state = this.choice(num(choice.index) ?? 0);
      const delta = dict(choice.delta);
      state.role ??= str(delta?.role);
      const text = str(delta?.content);
      if (text !== undefined) {
        state.content = (state.content ?? '') + text;
        if (text.length > 0) token = true;
      }
      if (Array.isArray(delta?.tool_calls)) {
        for (const part of delta.tool_calls) token = this.addToolCall(state, dict(part)) || token;
      }
      state.finishReason = str(choice.finish_reason) ?? state.finishReason;
    }
    return token;
  }

  /** What the stream amounted to; undefined when no chat chunk was seen. */
  result(): InvocationResponse | undefined {
    if (!this.recognised) return undefined;
    const indices = [...this.choices.keys()].sort((a, b) => a - b);
    const finishReasons: string[] = [];
    const toolCallIds: string[] = [];
    const messages: AssistantMessage[] = [];
    for (const index of indices) {
      const state = this.choices.get(index) as ChoiceState;
      if (state.finishReason !== undefined) finishReasons.push(state.finishReason);
      const message: AssistantMessage = {
        role: state.role ?? 'assistant',
        content: contentOrNull(state.content),
      };
      if (state.toolCalls.size > 0) {
        message.tool_calls = [...state.toolCalls.entries()].sort(([a], [b]) => a - b).map(([, call]) => call);
        for (const call of message.tool_calls) if (call.id !== undefined) toolCallIds.push(call.id);
      }
      messages.push(message);
    }
    const info: ModelResponseInfo = {
      model: this.model,
      id: this.id,
      finishReasons,
      toolCallIds,
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      output: chatOutput(messages),
    };
    return { info, tracked: true };
  }

  private choice(index: number): ChoiceState {
    let state = this.choices.get(index);
    if (state === undefined) {
      state = { role: undefined, content: undefined, finishReason: undefined, toolCalls: new Map() };
      this.choices.set(index, state);
    }
    return state;
  }

  private addToolCall(state: ChoiceState, part: Dict | undefined): boolean {
    if (part === undefined) return false;
    const index = num(part.index) ?? state.toolCalls.size;
    let call = state.toolCalls.get(index);
    if (call === undefined) {
      call = { type: 'function', function: { name: '', arguments: '' } };
      state.toolCalls.set(index, call);
    }
    const id = str(part.id);
    if (id !== undefined && call.id === undefined) call.id = id;
    call.type = str(part.type) ?? call.type;
    const fn = dict(part.function);
    call.function.name += str(fn?.name) ?? '';
    call.function.arguments += str(fn?.arguments) ?? '';
    return true;
  }
}
