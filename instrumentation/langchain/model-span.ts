import { SpanKind, trace } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_LINEAGE_INPUT_SHA256,
  ATTR_LINEAGE_MODEL_PINNED,
  ATTR_LINEAGE_MODEL_VERSION,
  ATTR_LINEAGE_OUTPUT_SHA256,
  ATTR_LINEAGE_RESPONSE_TIME_TO_FIRST_TOKEN_MS,
  EVENT_LINEAGE_FIRST_TOKEN,
} from '../../semconv/index.js';
import { AttributeBuilder } from '../../src/attributes.js';
import { prepareContent } from '../../src/content.js';
import { openFrameworkModelCall } from '../../src/framework-model-calls.js';
import { RecordedHandle } from '../../src/handles.js';
import { inferConsumedLinks } from '../../src/inference.js';
import { scanMessages } from '../../src/message-scan.js';
import { type ModelInvocationRequest, requestAttributes } from '../../src/model-invocation.js';
import { isPinnedModelName } from '../../src/model-pinning.js';
import type { ModelResponseInfo } from '../../src/model-response.js';
import { describeError, reportDrop } from '../../src/report.js';
import { parseLlmResult } from './llm-result.js';
import { dict, type OpenRun, type SpanDeps, type SpanParent, serializedName, str } from './open-run.js';
import { type OpenAiChatMessage, toOpenAiMessages } from './openai-messages.js';

/** The LangChain arguments of a chat model or LLM start. */
export interface ModelStart {
  readonly operation: 'chat' | 'text_completion';
  readonly serialized: unknown;
  /**
   * OpenAI-shaped messages (chat models) or prompts turned into user messages (LLMs);
   * undefined when they could not be read (the span is recorded without request hashes).
   */
  readonly messages: readonly OpenAiChatMessage[] | undefined;
  readonly extraParams: unknown;
  readonly metadata: unknown;
}

/** Provider names for LangChain classes that do not report `ls_provider`. */
const PROVIDER_BY_CLASS: Readonly<Record<string, string>> = {
  ChatOpenAI: 'openai',
  OpenAI: 'openai',
  AzureChatOpenAI: 'azure.ai.openai',
  ChatAnthropic: 'anthropic',
};

/**
 * Chat model messages of one prompt (LangChain passes one message list per handler call);
 * undefined, reported, when reading them throws (a getter, tool-call arguments with no JSON
 * form): one unreadable message must not cost the whole invocation its span.
 */
export function chatMessages(messageGroups: unknown): OpenAiChatMessage[] | undefined {
  try {
    return Array.isArray(messageGroups) ? toOpenAiMessages(messageGroups[0]) : [];
  } catch (error) {
    reportDrop(
      'LangChain chat model',
      `messages unreadable, request hashes omitted: ${describeError(error)}`,
    );
    return undefined;
  }
}

/** LLM prompts as user messages, so hashing and inference treat them like chat input. */
export function promptMessages(prompts: unknown): OpenAiChatMessage[] | undefined {
  if (!Array.isArray(prompts)) return [];
  try {
    return prompts
      .filter((p): p is string => typeof p === 'string')
      .map((p) => ({ role: 'user', content: p }));
  } catch (error) {
    reportDrop('LangChain LLM', `prompts unreadable, request hashes omitted: ${describeError(error)}`);
    return undefined;
  }
}

/**
 * Starts a model-invocation span from what LangChain knows before the call: provider and
 * model (`ls_provider`/`ls_model_name` metadata, else invocation params), sampling
 * params, tools, and the SDK's hashes of system prompt, messages and tools — computed by
 * the SDK's own `requestAttributes`, so they match `recordModelInvocation`. Consumed links
 * are inferred from the run's earlier retrievals and tool results found in the messages.
 */
export function startModelSpan(start: ModelStart, parent: SpanParent, deps: SpanDeps): OpenRun {
  const params = dict(dict(start.extraParams)?.invocation_params) ?? {};
  const metadata = dict(start.metadata) ?? {};
  const request: Partial<ModelInvocationRequest> = {
    provider: str(metadata.ls_provider) ?? PROVIDER_BY_CLASS[serializedName(start.serialized) ?? ''],
    model: str(metadata.ls_model_name) ?? str(params.model) ?? str(params.model_name),
    operation: start.operation,
    messages: start.messages,
    tools: Array.isArray(params.tools) && params.tools.length > 0 ? params.tools : undefined,
    temperature: (params.temperature ?? metadata.ls_temperature) as number | undefined,
    topP: params.top_p as number | undefined,
    maxTokens: (params.max_tokens ?? params.max_completion_tokens ?? metadata.ls_max_tokens) as
      | number
      | undefined,
    seed: params.seed as number | undefined,
    frequencyPenalty: params.frequency_penalty as number | undefined,
    presencePenalty: params.presence_penalty as number | undefined,
  };
  const attributes = requestAttributes(request, deps.config).attributes;
  const tracked = parent.runState?.tracked() ?? [];
  const links = tracked.length > 0 ? inferConsumedLinks(tracked, scanMessages(start.messages)) : [];
  const model = attributes[ATTR_GEN_AI_REQUEST_MODEL];
  const span = deps.tracer.startSpan(
    typeof model === 'string' ? `${start.operation} ${model}` : start.operation,
    { kind: SpanKind.CLIENT, attributes, links },
    parent.ctx,
  );
  // The provider request underneath (e.g. ChatOpenAI's client call) is this invocation, not
  // another one: our OpenAI instrumentation leaves a request with this input hash to this span.
  const input = attributes[ATTR_LINEAGE_INPUT_SHA256];
  const closeModelCall =
    span.isRecording() && typeof input === 'string'
      ? openFrameworkModelCall(start.operation, input)
      : undefined;
  return {
    kind: 'model',
    span,
    ctx: trace.setSpan(parent.ctx, span),
    runState: parent.runState,
    handle: new RecordedHandle('model_invocation', span.spanContext()),
    closeModelCall,
    startedAt: performance.now(),
  };
}

/** Marks the first streamed token (event + time to first token), once. */
export function recordFirstToken(run: OpenRun): void {
  if (run.firstTokenSeen === true) return;
  run.firstTokenSeen = true;
  run.span.addEvent(EVENT_LINEAGE_FIRST_TOKEN);
  run.span.setAttribute(ATTR_LINEAGE_RESPONSE_TIME_TO_FIRST_TOKEN_MS, performance.now() - run.startedAt);
}

/**
 * Records the answer (`LLMResult`) the way the SDK records a response: answering model,
 * exact version and whether it is pinned, usage, output hash; the invocation becomes the
 * run's default contributor of a final output, and its output is remembered for inference.
 */
export function finishModelSpan(run: OpenRun, result: unknown, deps: SpanDeps): void {
  recordResponse(run, parseLlmResult(result), deps);
}

function recordResponse(run: OpenRun, info: ModelResponseInfo, deps: SpanDeps): void {
  const b = new AttributeBuilder(deps.config.maxAttributeLength)
    .string(ATTR_GEN_AI_RESPONSE_MODEL, info.model)
    .string(ATTR_GEN_AI_RESPONSE_ID, info.id)
    .strings(ATTR_GEN_AI_RESPONSE_FINISH_REASONS, info.finishReasons)
    .count(ATTR_GEN_AI_USAGE_INPUT_TOKENS, info.inputTokens)
    .count(ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, info.outputTokens);
  const version = info.modelVersion ?? info.model;
  if (typeof version === 'string' && version.length > 0) {
    b.string(ATTR_LINEAGE_MODEL_VERSION, version).set(ATTR_LINEAGE_MODEL_PINNED, isPinnedModelName(version));
  }
  const output = outputDigest(info.output, deps);
  b.set(ATTR_LINEAGE_OUTPUT_SHA256, output?.sha256);
  run.span.setAttributes(b.attributes);
  const handle = run.handle;
  if (handle === undefined) return;
  if (output !== undefined) handle.sha256 = output.sha256;
  if (run.runState === undefined) return;
  // Only an invocation that answered becomes the default contributor of a final output.
  run.runState.lastInvocation = handle;
  if (output === undefined) return;
  run.runState.track({ handle, text: output.text, toolCallIds: info.toolCallIds ?? [] });
}

function outputDigest(output: unknown, deps: SpanDeps) {
  if (output === undefined) return undefined;
  try {
    return prepareContent(output, deps.config.maxContentBytes);
  } catch (error) {
    reportDrop('LangChain model invocation', `output hash omitted: ${(error as Error).message}`);
    return undefined;
  }
}
