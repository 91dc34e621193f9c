import {
  type Context,
  context,
  INVALID_SPAN_CONTEXT,
  type Link,
  type Span,
  SpanKind,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
  ATTR_GEN_AI_REQUEST_SEED,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_LINEAGE_INPUT_SHA256,
  ATTR_LINEAGE_MODEL_PINNED,
  ATTR_LINEAGE_MODEL_VERSION,
  ATTR_LINEAGE_OUTPUT_SHA256,
  ATTR_LINEAGE_PROMPT_SYSTEM_SHA256,
  ATTR_LINEAGE_PROMPT_TEMPLATE_ID,
  ATTR_LINEAGE_PROMPT_TEMPLATE_VERSION,
  ATTR_LINEAGE_RESPONSE_TIME_TO_FIRST_TOKEN_MS,
  ATTR_LINEAGE_SPAN_TYPE,
  ATTR_LINEAGE_TOOLS_SHA256,
  EVENT_LINEAGE_FIRST_TOKEN,
} from '../semconv/index.js';
import { AttributeBuilder } from './attributes.js';
import { getConfig, type LineageConfig } from './config.js';
import { prepareContent } from './content.js';
import { optionalHash } from './datasource.js';
import { type LineageHandle, RecordedHandle } from './handles.js';
import { sha256JsonAsSent, sha256Text } from './hashing/sha256.js';
import { explicitLinks, inferConsumedLinks } from './inference.js';
import { scanMessages } from './message-scan.js';
import { isPinnedModelName } from './model-pinning.js';
import { type ModelResponseInfo, parseModelResponse, StreamAccumulator } from './model-response.js';
import { describeError, reportDrop, reportFailure } from './report.js';
import { getRunState, type RunState } from './run-state.js';
import { isAsyncIterable, observeAsyncIterable } from './stream-observer.js';
import { isThenable, markError, quiet, runInSpan } from './traced-call.js';

/** What the SDK records about a model request. Only `provider` and `model` are expected. */
export interface ModelInvocationRequest {
  /** Provider (`gen_ai.provider.name`), e.g. `openai`. */
  readonly provider: string;
  /** Requested model name (`gen_ai.request.model`). */
  readonly model: string;
  /** GenAI operation; default `chat`. */
  readonly operation?: 'chat' | 'text_completion' | 'embeddings' | 'generate_content';
  /** Request messages → `lineage.input.sha256` (canonical JSON as sent: `undefined` fields left out); system/developer messages → `lineage.prompt.system.sha256`. */
  readonly messages?: unknown;
  /** A system prompt passed separately from the messages (Anthropic style). */
  readonly system?: unknown;
  /** Tool definitions offered → `lineage.tools.sha256`. */
  readonly tools?: unknown;
  /** Sampling temperature. */
  readonly temperature?: number;
  /** Nucleus sampling. */
  readonly topP?: number;
  /** Maximum tokens to generate. */
  readonly maxTokens?: number;
  /** Sampling seed. */
  readonly seed?: number;
  /** Frequency penalty. */
  readonly frequencyPenalty?: number;
  /** Presence penalty. */
  readonly presencePenalty?: number;
  /** Prompt template the messages were rendered from. */
  readonly promptTemplate?: { readonly id: string; readonly version?: string };
  /**
   * Explicit inputs (handles from retrievals, tools, earlier invocations) → `consumed`
   * links. When absent, the SDK infers them from the run's tracked artifacts.
   */
  readonly inputs?: readonly LineageHandle[];
  /** Custom response parser, for response shapes the default parser does not know. */
  readonly parseResponse?: (result: unknown) => ModelResponseInfo | undefined;
}

/** Lets the model-calling function add what only it knows. */
export interface ModelInvocationScope {
  /** Handle of this invocation; its `sha256` (the output hash) is filled in when the response is recorded. */
  readonly handle: LineageHandle;
  /** Records response details explicitly; overrides what the parser found. */
  setResponse(info: ModelResponseInfo): void;
}

const OPERATIONS: ReadonlySet<string> = new Set([
  'chat',
  'text_completion',
  'embeddings',
  'generate_content',
]);
const SYSTEM_ROLES: ReadonlySet<unknown> = new Set(['system', 'developer']);

const DETACHED_SCOPE: ModelInvocationScope = {
  handle: new RecordedHandle('model_invocation', INVALID_SPAN_CONTEXT),
  setResponse: () => undefined,
};

/**
 * Runs one model call as a model-invocation span (`{operation} {model}`) and records its
 * lineage: provider, requested and answering model, exact version and whether it is
 * pinned, sampling parameters, hashes of system prompt, messages, tools and output, token
 * usage, and `consumed` links (explicit `inputs`, or inferred from what the run retrieved).
 * A returned async iterable (stream) is observed in place — same object, same chunks —
 * recording the first-token time; the span ends when the stream does. The result or
 * exception passes through unchanged.
 * @throws {TypeError} only when `fn` is not a function.
 */
export function recordModelInvocation<T>(
  request: ModelInvocationRequest,
  fn: (scope: ModelInvocationScope) => T,
): T {
  if (typeof fn !== 'function') throw new TypeError('recordModelInvocation: fn must be a function');
  let call: InvocationCall;
  try {
    call = new InvocationCall(request, getConfig(), context.active());
  } catch (error) {
    reportFailure('recordModelInvocation', error);
    return fn(DETACHED_SCOPE);
  }
  return runInSpan(
    call.span,
    call.ctx,
    () => fn(call.scope),
    { onResult: (result) => call.onResult(result) },
    'recordModelInvocation',
  );
}

/** State of one model invocation from start to end. */
class InvocationCall {
  readonly span: Span;
  readonly ctx: Context;
  readonly scope: ModelInvocationScope;
  private readonly handle: RecordedHandle;
  private readonly run: RunState | undefined;
  private readonly startedAt = performance.now();
  private explicit: ModelResponseInfo | undefined;
  private readonly parse: (result: unknown) => ModelResponseInfo | undefined;

  constructor(
    raw: ModelInvocationRequest,
    private readonly config: LineageConfig,
    parent: Context,
  ) {
    const request: Partial<ModelInvocationRequest> = typeof raw === 'object' && raw !== null ? raw : {};
    if (request !== raw) reportDrop('recordModelInvocation', 'request must be an object');
    this.run = getRunState(parent);
    // Everything read from the request is read before the span starts: a getter that throws
    // must not leave a started span behind.
    this.parse = typeof request.parseResponse === 'function' ? request.parseResponse : parseModelResponse;
    const b = requestAttributes(request, config);
    const operation = b.attributes[ATTR_GEN_AI_OPERATION_NAME] as string;
    const model = b.attributes[ATTR_GEN_AI_REQUEST_MODEL];
    this.span = config.tracer.startSpan(
      typeof model === 'string' ? `${operation} ${model}` : operation,
      { kind: SpanKind.CLIENT, attributes: b.attributes, links: this.links(request) },
      parent,
    );
    this.ctx = trace.setSpan(parent, this.span);
    this.handle = new RecordedHandle('model_invocation', this.span.spanContext());
    this.scope = {
      handle: this.handle,
      setResponse: (info) => {
        this.explicit = typeof info === 'object' && info !== null ? info : undefined;
      },
    };
  }

  /** Records the response; returns true when a stream took over ending the span. */
  onResult(result: unknown): boolean {
    if (isAsyncIterable(result)) {
      if (this.observeStream(result)) return true;
      this.recordResponse({ ...this.explicit });
      return false;
    }
    this.recordResponse({ ...this.safeParse(result), ...this.explicit });
    return false;
  }

  private links(request: Partial<ModelInvocationRequest>): Link[] {
    if (request.inputs !== undefined) return explicitLinks(request.inputs, 'consumed');
    const tracked = this.run?.tracked();
    if (tracked === undefined || tracked.length === 0) return [];
    return inferConsumedLinks(tracked, scanMessages(request.messages, request.system));
  }

  private safeParse(result: unknown): ModelResponseInfo | undefined {
    try {
      const info: unknown = this.parse(result);
      // parseResponse must answer synchronously; a promise's rejection must not go unhandled.
      if (isThenable(info)) {
        quiet(info);
        reportDrop(
          'recordModelInvocation',
          'parseResponse returned a promise; it must return the response info itself',
        );
        return undefined;
      }
      return info as ModelResponseInfo | undefined;
    } catch (error) {
      reportFailure('parseResponse', error);
      return undefined;
    }
  }

  private observeStream(stream: AsyncIterable<unknown>): boolean {
    const acc = new StreamAccumulator();
    let first = true;
    return observeAsyncIterable(stream, {
      onChunk: (chunk) => {
        if (first) {
          first = false;
          this.span.addEvent(EVENT_LINEAGE_FIRST_TOKEN);
          this.span.setAttribute(
            ATTR_LINEAGE_RESPONSE_TIME_TO_FIRST_TOKEN_MS,
            performance.now() - this.startedAt,
          );
        }
        acc.add(chunk);
      },
      onEnd: (error, failed) => {
        try {
          if (!failed) this.recordResponse({ ...acc.result(), ...this.explicit });
          else markError(this.span, error);
        } catch (failure) {
          reportFailure('recordModelInvocation stream', failure);
        }
        this.span.end();
      },
    });
  }

  private recordResponse(info: ModelResponseInfo): void {
    const b = new AttributeBuilder(this.config.maxAttributeLength)
      .string(ATTR_GEN_AI_RESPONSE_MODEL, info.model)
      .string(ATTR_GEN_AI_RESPONSE_ID, info.id)
      .strings(ATTR_GEN_AI_RESPONSE_FINISH_REASONS, info.finishReasons)
      .count(ATTR_GEN_AI_USAGE_INPUT_TOKENS, info.inputTokens)
      .count(ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, info.outputTokens);
    const version = typeof info.modelVersion === 'string' ? info.modelVersion : info.model;
    if (typeof version === 'string' && version.length > 0) {
      b.string(ATTR_LINEAGE_MODEL_VERSION, version).set(
        ATTR_LINEAGE_MODEL_PINNED,
        isPinnedModelName(version),
      );
    }
    const output = info.output === undefined ? undefined : this.outputDigest(info.output);
    b.set(ATTR_LINEAGE_OUTPUT_SHA256, output?.sha256);
    this.span.setAttributes(b.attributes);
    // Only an invocation that answered becomes the default contributor of a final output.
    if (this.run !== undefined) this.run.lastInvocation = this.handle;
    if (output === undefined) return;
    this.handle.sha256 = output.sha256;
    const toolCallIds = Array.isArray(info.toolCallIds)
      ? info.toolCallIds.filter((id): id is string => typeof id === 'string')
      : [];
    this.run?.track({ handle: this.handle, text: output.text, toolCallIds });
  }

  private outputDigest(output: unknown) {
    try {
      return prepareContent(output, this.config.maxContentBytes);
    } catch (error) {
      reportDrop('recordModelInvocation', `output hash omitted: ${describeError(error)}`);
      return undefined;
    }
  }
}

/** The attributes known when the request starts (also used by the LangChain instrumentation). */
export function requestAttributes(
  request: Partial<ModelInvocationRequest>,
  config: LineageConfig,
): AttributeBuilder {
  return addRequestHashes(requestDescription(request, config), request);
}

/**
 * {@link requestAttributes} without the three request hashes: what a span can start with
 * before the sampler has decided whether hashing is worth it ({@link addRequestHashes}).
 */
export function requestDescription(
  request: Partial<ModelInvocationRequest>,
  config: LineageConfig,
): AttributeBuilder {
  const operation =
    typeof request.operation === 'string' && OPERATIONS.has(request.operation) ? request.operation : 'chat';
  const template =
    typeof request.promptTemplate === 'object' && request.promptTemplate !== null
      ? request.promptTemplate
      : undefined;
  const b = new AttributeBuilder(config.maxAttributeLength)
    .set(ATTR_LINEAGE_SPAN_TYPE, 'model_invocation')
    .set(ATTR_GEN_AI_OPERATION_NAME, operation)
    .string(ATTR_GEN_AI_PROVIDER_NAME, request.provider)
    .string(ATTR_GEN_AI_REQUEST_MODEL, request.model)
    .number(ATTR_GEN_AI_REQUEST_TEMPERATURE, request.temperature)
    .number(ATTR_GEN_AI_REQUEST_TOP_P, request.topP)
    .int(ATTR_GEN_AI_REQUEST_MAX_TOKENS, request.maxTokens)
    .int(ATTR_GEN_AI_REQUEST_SEED, request.seed)
    .number(ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY, request.frequencyPenalty)
    .number(ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY, request.presencePenalty);
  if (template !== undefined) {
    b.string(ATTR_LINEAGE_PROMPT_TEMPLATE_ID, template.id).string(
      ATTR_LINEAGE_PROMPT_TEMPLATE_VERSION,
      template.version,
    );
  }
  // Until a response names the answering model, the requested name is the best version known.
  const model = b.attributes[ATTR_GEN_AI_REQUEST_MODEL];
  if (typeof model === 'string') {
    b.set(ATTR_LINEAGE_MODEL_VERSION, model).set(ATTR_LINEAGE_MODEL_PINNED, isPinnedModelName(model));
  } else {
    reportDrop('recordModelInvocation', 'model missing or not a string');
  }
  return b;
}

/**
 * Adds the request hashes: `lineage.prompt.system.sha256` (the system prompt(s)),
 * `lineage.input.sha256` (canonical JSON of the messages) and `lineage.tools.sha256`
 * (canonical JSON of the tool definitions), each of the value as the client sends it
 * (`undefined` fields left out, as JSON.stringify does). A value that cannot be hashed is
 * reported and left out; this never throws, whatever the caller's objects do when read.
 */
export function addRequestHashes(
  b: AttributeBuilder,
  request: Partial<ModelInvocationRequest>,
): AttributeBuilder {
  const prompts = optionalPrompts(request);
  if (prompts !== undefined)
    b.set(ATTR_LINEAGE_PROMPT_SYSTEM_SHA256, optionalHash(systemPromptHash, prompts));
  if (request.messages !== undefined)
    b.set(ATTR_LINEAGE_INPUT_SHA256, optionalHash(sha256JsonAsSent, request.messages));
  if (request.tools !== undefined)
    b.set(ATTR_LINEAGE_TOOLS_SHA256, optionalHash(sha256JsonAsSent, request.tools));
  return b;
}

/** {@link systemPrompts}, or undefined (reported) when reading the messages throws (a getter, a Proxy). */
function optionalPrompts(request: Partial<ModelInvocationRequest>): unknown[] | undefined {
  try {
    return systemPrompts(request);
  } catch (error) {
    reportDrop('hash omitted', `system prompt unreadable: ${describeError(error)}`);
    return undefined;
  }
}

/** The system prompt(s): the separate `system` field and every system/developer message's content. */
function systemPrompts(request: Partial<ModelInvocationRequest>): unknown[] | undefined {
  const prompts: unknown[] = [];
  if (request.system !== undefined) prompts.push(request.system);
  const messages = request.messages;
  if (Array.isArray(messages)) {
    // By index, as JSON.stringify reads what is sent: an own Symbol.iterator is not consulted.
    for (let i = 0; i < messages.length; i++) {
      const m: unknown = messages[i];
      if (typeof m === 'object' && m !== null && SYSTEM_ROLES.has((m as { role?: unknown }).role)) {
        prompts.push((m as { content?: unknown }).content);
      }
    }
  }
  return prompts.length > 0 ? prompts : undefined;
}

/** One text prompt hashes as its UTF-8 text; several (or structured ones) as one canonical JSON array. */
function systemPromptHash(prompts: unknown): string {
  const list = prompts as unknown[];
  return list.length === 1 && typeof list[0] === 'string' ? cachedTextHash(list[0]) : sha256JsonAsSent(list);
}

/**
 * The same system prompt is sent with every call, so its hash is remembered. Strings are
 * immutable, so a cached hash can never go stale. The cache is a bounded LRU: a Map keeps
 * insertion order, a miss on a full cache evicts the first entry, and a hit moves its entry
 * to the end — only once the cache is full, the only time order matters, so the usual
 * handful of prompts costs one lookup per call.
 */
const SYSTEM_HASH_CACHE_LIMIT = 64;
const SYSTEM_HASH_CACHE_MAX_CHARS = 64 * 1024;
const systemHashes = new Map<string, string>();

function cachedTextHash(text: string): string {
  if (text.length > SYSTEM_HASH_CACHE_MAX_CHARS) return sha256Text(text);
  let digest = systemHashes.get(text);
  if (digest === undefined) {
    digest = sha256Text(text);
    if (systemHashes.size >= SYSTEM_HASH_CACHE_LIMIT) {
      const oldest = systemHashes.keys().next();
      if (oldest.done !== true) systemHashes.delete(oldest.value);
    }
    systemHashes.set(text, digest);
  } else if (systemHashes.size >= SYSTEM_HASH_CACHE_LIMIT) {
    systemHashes.delete(text);
    systemHashes.set(text, digest);
  }
  return digest;
}
