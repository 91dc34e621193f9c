import canonicalize from 'canonicalize';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_SEED,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_LINEAGE_INPUT_SHA256,
  ATTR_LINEAGE_MODEL_PINNED,
  ATTR_LINEAGE_MODEL_VERSION,
  ATTR_LINEAGE_OUTPUT_SHA256,
  ATTR_LINEAGE_PROMPT_SYSTEM_SHA256,
  ATTR_LINEAGE_RESPONSE_TIME_TO_FIRST_TOKEN_MS,
  ATTR_LINEAGE_TOOLS_SHA256,
  EVENT_LINEAGE_FIRST_TOKEN,
} from '../../semconv/index.js';
import type { Attrs, SpanView } from '../model/span-view.js';
import { fieldNum, readBool, readIndexed, readJson, readNum, readStr } from './attr-read.js';
import { asSha256, sha256Json, sha256Text } from './content-hash.js';
import { hashContent } from './hashed-content.js';
import { looksPinned } from './model-pinning.js';
import type { ChatMessage, ChatMessages } from './read-messages.js';
import type { HashedContent, ModelFact } from './span-facts.js';

const REQUEST_TYPE_TO_OPERATION: Readonly<Record<string, string>> = {
  chat: 'chat',
  completion: 'text_completion',
  embedding: 'embeddings',
};

function operationOf(attrs: Attrs): string | undefined {
  const op = readStr(attrs, ATTR_GEN_AI_OPERATION_NAME);
  if (op !== undefined) return op;
  const requestType = readStr(attrs, 'llm.request.type');
  if (requestType !== undefined) return REQUEST_TYPE_TO_OPERATION[requestType] ?? requestType;
  const oiKind = readStr(attrs, 'openinference.span.kind')?.toUpperCase();
  if (oiKind === 'LLM') return 'chat';
  if (oiKind === 'EMBEDDING') return 'embeddings';
  return undefined;
}

/** Request messages as hashed: `[{role, content, tool_call_id}]`, canonical JSON. */
function messagesForHash(messages: readonly ChatMessage[]): unknown[] {
  return messages.map((m) => ({
    ...(m.role !== undefined ? { role: m.role } : {}),
    ...(m.content !== undefined ? { content: m.content } : {}),
    ...(m.toolCallId !== undefined ? { tool_call_id: m.toolCallId } : {}),
    ...(m.toolCalls !== undefined ? { tool_calls: m.toolCalls } : {}),
  }));
}

/**
 * Hashes of the assistant messages with tool calls that a request carries back, computed the
 * way `outputOf` hashes a tool-calling answer, so the content join links the earlier
 * invocation that issued the calls to the later one that consumes their results.
 * Instrumentations disagree on the empty content of such a message (absent, `""`), so both
 * forms are hashed.
 */
export function fedBackAnswerHashes(inputs: readonly ChatMessage[]): string[] {
  const out: string[] = [];
  for (const m of inputs) {
    if (m.role !== 'assistant' || m.toolCalls === undefined) continue;
    const variants: ChatMessage[] =
      m.content === undefined || m.content === ''
        ? [
            { ...m, content: undefined },
            { ...m, content: '' },
          ]
        : [m];
    for (const v of variants) {
      const hash = sha256Json(messagesForHash([v]));
      if (hash !== undefined) out.push(hash);
    }
  }
  return out;
}

/**
 * Output hash of foreign spans: one text answer → SHA-256 of its UTF-8 (an empty one is no
 * output); several, or tool calls only → canonical JSON of the messages. OpenInference `output.value` is the
 * fallback when no output messages were recorded.
 */
function outputOf(attrs: Attrs, messages: ChatMessages): HashedContent | undefined {
  const given = attrs[ATTR_LINEAGE_OUTPUT_SHA256];
  const out = messages.output;
  let content: string | undefined;
  if (out.length === 1 && out[0]?.content !== undefined && out[0].toolCalls === undefined) {
    // One empty text part is what an instrumentation records when the answer was tool calls
    // it did not capture (Traceloop LangChain): that is no recorded output, not the hash of "".
    if (out[0].content === '') return hashContent(given, undefined);
    content = out[0].content;
  } else if (out.length > 0) {
    const json = messagesForHash(out);
    const recorded = asSha256(given);
    const content = canonicalText(json);
    return recorded !== undefined
      ? { sha256: recorded, basis: 'content', ...(content !== undefined ? { content } : {}) }
      : withJson(json);
  } else {
    content = readStr(attrs, 'output.value');
  }
  return hashContent(given, content);
}

/** Captured structured content is its canonical JSON, so sha256(content) re-verifies the stored hash. */
function canonicalText(value: unknown): string | undefined {
  try {
    return canonicalize(value);
  } catch {
    // No JSON form, no hash.
    return undefined;
  }
}

function withJson(value: unknown): HashedContent | undefined {
  const content = canonicalText(value);
  return content === undefined ? undefined : { sha256: sha256Text(content), content, basis: 'content' };
}

/** System prompt hash: one system message → its UTF-8; several → canonical JSON array (registry rule). */
function systemPromptSha256(messages: readonly ChatMessage[]): string | undefined {
  const system = messages
    .filter((m) => m.role === 'system' || m.role === 'developer')
    .map((m) => m.content ?? '');
  if (system.length === 0) return undefined;
  return system.length === 1 ? sha256Text(system[0] ?? '') : sha256Json(system);
}

function toolsSha256(attrs: Attrs): string | undefined {
  const genAi = readJson(attrs, 'gen_ai.tool.definitions');
  if (genAi !== undefined) return sha256Json(genAi);
  const oi = readIndexed(attrs, 'llm.tools.').map(([, g]) => {
    const schema = g['tool.json_schema'];
    return typeof schema === 'string' ? (safeParse(schema) ?? schema) : schema;
  });
  return oi.length > 0 ? sha256Json(oi) : undefined;
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // A schema that is not JSON is hashed as its text.
    return undefined;
  }
}

function omitUndefined<T extends object>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return out as T;
}

/**
 * What a model-invocation span says about the call, across dialects. Recorded lineage
 * hashes win; for foreign spans the input, system prompt, tools and output hashes are
 * computed from recorded content (content itself is returned for optional capture).
 */
/**
 * The model that answered, as LangChain reports it inside the serialised LLM result that
 * OpenInference puts in `output.value` (its `llm.model_name` is only the requested alias):
 * `generations[0][0].message.kwargs.response_metadata.model_name`, or `llm_output.model_name`.
 */
function langChainResponseModel(a: SpanView['attributes']): string | undefined {
  const raw = readStr(a, 'output.value');
  if (raw === undefined || !raw.startsWith('{') || raw.length > 1_000_000) return undefined;
  let out: unknown;
  try {
    out = JSON.parse(raw);
  } catch {
    // Not JSON: plain-text output has no model name.
    return undefined;
  }
  const pick = (v: unknown, ...path: (string | number)[]): unknown =>
    path.reduce<unknown>(
      (acc, k) => (acc && typeof acc === 'object' ? (acc as Record<string, unknown>)[k] : undefined),
      v,
    );
  const message = pick(out, 'generations', 0, 0, 'message');
  const candidates = [
    pick(message, 'kwargs', 'response_metadata', 'model_name'),
    pick(message, 'response_metadata', 'model_name'),
    pick(out, 'llm_output', 'model_name'),
    pick(out, 'llmOutput', 'model_name'),
  ];
  const found = candidates.find((c): c is string => typeof c === 'string' && c.length > 0 && c.length <= 256);
  return found;
}

export function readModelFact(view: SpanView, messages: ChatMessages): ModelFact {
  const a = view.attributes;
  const invocation = readJson(a, 'llm.invocation_parameters');
  const requestModel =
    readStr(a, ATTR_GEN_AI_REQUEST_MODEL) ??
    readStr(a, 'llm.model_name') ??
    readStr(a, 'embedding.model_name');
  const responseModel = readStr(a, ATTR_GEN_AI_RESPONSE_MODEL) ?? langChainResponseModel(a);
  const modelVersion = readStr(a, ATTR_LINEAGE_MODEL_VERSION) ?? responseModel ?? requestModel;
  const pinned =
    readBool(a, ATTR_LINEAGE_MODEL_PINNED) ?? (modelVersion ? looksPinned(modelVersion) : undefined);
  const inputText = messages.input.length > 0 ? canonicalText(messagesForHash(messages.input)) : undefined;
  const firstToken = view.events.find((e) => e.name === EVENT_LINEAGE_FIRST_TOKEN)?.timeMs;
  const ttft =
    readNum(a, ATTR_LINEAGE_RESPONSE_TIME_TO_FIRST_TOKEN_MS) ??
    (firstToken !== undefined ? firstToken - view.startTimeMs : undefined);
  return omitUndefined<ModelFact>({
    provider:
      readStr(a, ATTR_GEN_AI_PROVIDER_NAME) ??
      readStr(a, 'gen_ai.system') ??
      readStr(a, 'llm.provider') ??
      readStr(a, 'llm.system'),
    operation: operationOf(a),
    requestModel,
    responseModel,
    modelVersion,
    pinned,
    systemPromptSha256: asSha256(a[ATTR_LINEAGE_PROMPT_SYSTEM_SHA256]) ?? systemPromptSha256(messages.input),
    inputSha256:
      asSha256(a[ATTR_LINEAGE_INPUT_SHA256]) ?? (inputText !== undefined ? sha256Text(inputText) : undefined),
    toolsSha256: asSha256(a[ATTR_LINEAGE_TOOLS_SHA256]) ?? toolsSha256(a),
    inputTokens:
      readNum(a, ATTR_GEN_AI_USAGE_INPUT_TOKENS) ??
      readNum(a, 'gen_ai.usage.prompt_tokens') ??
      readNum(a, 'llm.token_count.prompt'),
    outputTokens:
      readNum(a, ATTR_GEN_AI_USAGE_OUTPUT_TOKENS) ??
      readNum(a, 'gen_ai.usage.completion_tokens') ??
      readNum(a, 'llm.token_count.completion'),
    timeToFirstTokenMs: ttft,
    firstTokenTimeMs: firstToken,
    temperature: readNum(a, ATTR_GEN_AI_REQUEST_TEMPERATURE) ?? fieldNum(invocation, 'temperature'),
    topP: readNum(a, ATTR_GEN_AI_REQUEST_TOP_P) ?? fieldNum(invocation, 'top_p'),
    maxTokens: readNum(a, ATTR_GEN_AI_REQUEST_MAX_TOKENS) ?? fieldNum(invocation, 'max_tokens'),
    seed: readNum(a, ATTR_GEN_AI_REQUEST_SEED) ?? fieldNum(invocation, 'seed'),
    output: outputOf(a, messages),
    inputContent: inputText,
  });
}
