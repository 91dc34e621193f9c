import type { Attributes } from '@opentelemetry/api';
import { type MessageScan, scanMessages } from '../../src/message-scan.js';
import type { ModelResponseInfo } from '../../src/model-response.js';
import { ATTR_GEN_AI_OUTPUT_TYPE } from './attributes.js';
import type { InvocationRequest, InvocationResponse } from './invocation.js';
import { type Dict, dict, num, str } from './types.js';

/**
 * Maps `responses.create` params: `input` (a string or a list of items) is the input hash,
 * `instructions` the system prompt, `tools` the tool definitions.
 */
export function responsesRequest(params: Dict): InvocationRequest {
  const attributes: Attributes = {};
  const format = str(dict(dict(params.text)?.format)?.type);
  if (format !== undefined) attributes[ATTR_GEN_AI_OUTPUT_TYPE] = format === 'text' ? 'text' : 'json';
  const input = params.input;
  const instructions = params.instructions;
  return {
    request: {
      provider: 'openai',
      operation: 'chat',
      model: str(params.model),
      messages: input,
      system: typeof instructions === 'string' ? instructions : undefined,
      tools: params.tools,
      temperature: num(params.temperature),
      topP: num(params.top_p),
      maxTokens: num(params.max_output_tokens),
    },
    extra: attributes,
    // Reads `messages` (the input) and `system` (the instructions when they are text, the
    // only instructions the scan could use).
    scan: scanResponsesInput,
    content: input,
  };
}

/**
 * Reads Responses API input for consumption inference by presenting its items as chat
 * messages to the SDK's scanner: `function_call_output` → a tool message with its
 * `call_id`, `function_call` → an assistant tool call, messages keep their text parts.
 */
export function scanResponsesInput(input: unknown, instructions: unknown): MessageScan {
  if (typeof input === 'string') return scanMessages([{ role: 'user', content: input }], instructions);
  if (!Array.isArray(input)) return scanMessages(undefined, instructions);
  const messages = input.map((raw) => {
    const item = dict(raw);
    if (item?.type === 'function_call_output') {
      return { role: 'tool', tool_call_id: item.call_id, content: item.output };
    }
    if (item?.type === 'function_call') return { role: 'assistant', tool_calls: [{ id: item.call_id }] };
    return item;
  });
  return scanMessages(messages, instructions);
}

/**
 * Parses a Responses API `Response`. A text-only answer hashes as its text (like a chat
 * answer); anything with tool calls or other items hashes as the canonical JSON of `output`.
 */
export function responsesResponse(result: unknown): InvocationResponse | undefined {
  const r = dict(result);
  if (r === undefined || !Array.isArray(r.output)) return undefined;
  const toolCallIds: string[] = [];
  const texts: string[] = [];
  let textOnly = r.output.length > 0;
  for (const raw of r.output) {
    const item = dict(raw);
    if (item?.type === 'function_call') {
      const id = str(item.call_id);
      if (id !== undefined) toolCallIds.push(id);
    }
    if (item?.type !== 'message' || !Array.isArray(item.content)) {
      textOnly = false;
      continue;
    }
    for (const part of item.content) {
      const p = dict(part);
      if (p?.type === 'output_text' && typeof p.text === 'string') texts.push(p.text);
      else textOnly = false;
    }
  }
  const usage = dict(r.usage);
  const status = str(dict(r.incomplete_details)?.reason) ?? str(r.status);
  const info: ModelResponseInfo = {
    model: str(r.model),
    id: str(r.id),
    finishReasons: status === undefined ? [] : [status],
    toolCallIds,
    inputTokens: num(usage?.input_tokens),
    outputTokens: num(usage?.output_tokens),
    output: textOnly ? texts.join('') : r.output,
  };
  return { info, tracked: true };
}

/** Event types that carry the final `Response` of a streamed Responses API call. */
const FINAL_EVENTS: ReadonlySet<unknown> = new Set([
  'response.completed',
  'response.incomplete',
  'response.failed',
]);

/**
 * Follows a streamed Responses API call: the first `*.delta` event is the first token, and
 * the final `response.completed` (or `.incomplete` / `.failed`) event carries the whole
 * `Response`, parsed like a non-streamed one so both hash alike.
 */
export class ResponsesStreamAccumulator {
  private final: unknown;

  /** Folds one event in; returns true when it carried generated content (a delta). */
  add(event: unknown): boolean {
    const e = dict(event);
    const type = str(e?.type);
    if (type === undefined) return false;
    if (FINAL_EVENTS.has(type)) this.final = e?.response;
    return type.endsWith('.delta');
  }

  /** The final response, or undefined when the stream ended before it arrived. */
  result(): InvocationResponse | undefined {
    return this.final === undefined ? undefined : responsesResponse(this.final);
  }
}
