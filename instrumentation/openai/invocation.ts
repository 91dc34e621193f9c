import {
  type Attributes,
  type Context,
  type Link,
  type Span,
  SpanKind,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_LINEAGE_OUTPUT_SHA256,
  ATTR_LINEAGE_RESPONSE_TIME_TO_FIRST_TOKEN_MS,
  EVENT_LINEAGE_FIRST_TOKEN,
} from '../../semconv/index.js';
import { AttributeBuilder, truncate } from '../../src/attributes.js';
import { getConfig, type LineageConfig } from '../../src/config.js';
import { prepareContent, truncateUtf8 } from '../../src/content.js';
import { RecordedHandle } from '../../src/handles.js';
import { sha256Content } from '../../src/hashing/sha256.js';
import { inferConsumedLinks } from '../../src/inference.js';
import type { MessageScan } from '../../src/message-scan.js';
import {
  addRequestHashes,
  type ModelInvocationRequest,
  requestDescription,
} from '../../src/model-invocation.js';
import type { ModelResponseInfo } from '../../src/model-response.js';
import { reportDrop, reportFailure } from '../../src/report.js';
import { getRunState, type RunState } from '../../src/run-state.js';
import { markError } from '../../src/traced-call.js';
import { ATTR_ERROR_TYPE, ATTR_GEN_AI_INPUT_MESSAGES, ATTR_GEN_AI_OUTPUT_MESSAGES } from './attributes.js';
import { responseAttributes } from './response-attributes.js';

/** What one API's request mapper tells the invocation about a call. */
export interface InvocationRequest {
  /** Request fields in the SDK's shape: hashed and mapped by the SDK's own `requestAttributes` rules. */
  readonly request: Partial<ModelInvocationRequest>;
  /** API-specific attributes (encoding formats, output type, ...). */
  readonly extra?: Attributes;
  /**
   * Reads the request's `messages` and `system` for consumption inference; only called when
   * the run tracked something. A plain function (not a closure), so a call allocates nothing for it.
   */
  readonly scan?: (messages: unknown, system: unknown) => MessageScan;
  /** What `gen_ai.input.messages` holds when content capture is on. */
  readonly content?: unknown;
}

/** What one API's response mapper found in a response. */
export interface InvocationResponse {
  /** Model, id, usage, finish reasons, output (hashed), tool-call ids. */
  readonly info: ModelResponseInfo;
  /** Whether the output becomes an artifact of the run (chat and responses: yes; embeddings: no). */
  readonly tracked: boolean;
  /** Extra attributes (e.g. embedding dimension count). */
  readonly extra?: Attributes;
}

/**
 * One model call from span start to span end. Hashing and attribute rules are the SDK's
 * (`requestAttributes`, `prepareContent`), so a call recorded by this instrumentation and
 * the same call wrapped in `recordModelInvocation` carry the same request hashes.
 */
export class OpenAiInvocation {
  readonly span: Span;
  readonly ctx: Context;
  private readonly config: LineageConfig;
  private readonly run: RunState | undefined;
  /** When the call started, for the time to first token; only streamed calls need it. */
  private readonly startedAt: number;
  private firstTokenSeen = false;
  private ended = false;

  /**
   * @param server `server.address` / `server.port` of the client (shared, never mutated).
   * @param streamed whether the call streams its answer (only then is the start time needed).
   */
  constructor(
    tracer: Tracer,
    request: InvocationRequest,
    server: Attributes,
    parent: Context,
    private readonly captureContent: boolean,
    streamed: boolean,
  ) {
    this.startedAt = streamed ? performance.now() : 0;
    this.config = getConfig();
    this.run = getRunState(parent);
    // Hashing is most of the cost, so it waits until the sampler has spoken: the span starts
    // with the cheap attributes and gets the request hashes only when it is recorded.
    const b = requestDescription(request.request, this.config);
    Object.assign(b.attributes, server);
    if (request.extra !== undefined) Object.assign(b.attributes, request.extra);
    if (captureContent && request.content !== undefined) {
      b.string(ATTR_GEN_AI_INPUT_MESSAGES, this.captured(request.content));
    }
    const operation = b.attributes[ATTR_GEN_AI_OPERATION_NAME] as string;
    const model = b.attributes[ATTR_GEN_AI_REQUEST_MODEL];
    this.span = tracer.startSpan(
      typeof model === 'string' ? `${operation} ${model}` : operation,
      { kind: SpanKind.CLIENT, attributes: b.attributes, links: this.links(request) },
      parent,
    );
    this.ctx = trace.setSpan(parent, this.span);
    if (this.span.isRecording()) {
      // The span exists now: nothing may throw out of this constructor, or no one would end it.
      try {
        const hashes = new AttributeBuilder(this.config.maxAttributeLength);
        this.span.setAttributes(addRequestHashes(hashes, request.request).attributes);
      } catch (error) {
        reportFailure('openai instrumentation: hashing the request', error);
      }
    }
  }

  /** Marks the first streamed token: `lineage.first_token` event and time to first token. */
  firstToken(): void {
    if (this.firstTokenSeen || this.ended) return;
    this.firstTokenSeen = true;
    this.span.addEvent(EVENT_LINEAGE_FIRST_TOKEN);
    this.span.setAttribute(ATTR_LINEAGE_RESPONSE_TIME_TO_FIRST_TOKEN_MS, performance.now() - this.startedAt);
  }

  /** Records the response and ends the span. */
  succeed(response: InvocationResponse | undefined): void {
    if (this.ended) return;
    try {
      if (response !== undefined) this.record(response);
    } catch (error) {
      reportFailure('openai instrumentation: recording the response', error);
    }
    this.end();
  }

  /** Marks the span failed with the caller's error (left untouched) and ends it. */
  fail(error: unknown): void {
    if (this.ended) return;
    try {
      markError(this.span, error);
      const type = errorType(error);
      if (type !== undefined) this.span.setAttribute(ATTR_ERROR_TYPE, type);
    } catch (failure) {
      reportFailure('openai instrumentation: recording an error', failure);
    }
    this.end();
  }

  /**
   * Ends the span at `at` (a `performance.now()` time) without response details: for a call
   * whose answer arrived then but was never parsed, ended once the caller has let it go.
   */
  endAt(at: number): void {
    if (this.ended) return;
    this.ended = true;
    try {
      this.span.end(at);
    } catch (error) {
      reportFailure('openai instrumentation: ending a span', error);
    }
  }

  /** Ends the span without a response (e.g. the response could not be observed). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    try {
      this.span.end();
    } catch (error) {
      reportFailure('openai instrumentation: ending a span', error);
    }
  }

  /** Inferred `consumed` links; `undefined` (no scan of the messages) when the run tracked nothing. */
  private links(request: InvocationRequest): Link[] | undefined {
    const tracked = this.run?.tracked();
    if (tracked === undefined || tracked.length === 0 || request.scan === undefined) return undefined;
    return inferConsumedLinks(tracked, request.scan(request.request.messages, request.request.system));
  }

  private record({ info, tracked, extra }: InvocationResponse): void {
    // Unsampled and outside a run, nothing would ever read the response attributes or hashes.
    if (this.run === undefined && !this.span.isRecording()) return;
    const attributes = responseAttributes(info, this.config.maxAttributeLength);
    if (extra !== undefined) Object.assign(attributes, extra);
    const output = info.output === undefined ? undefined : this.outputDigest(info.output);
    attributes[ATTR_LINEAGE_OUTPUT_SHA256] = output?.sha256;
    if (this.captureContent && info.output !== undefined && !(info.output instanceof Uint8Array)) {
      const captured = this.captured(info.output);
      if (captured !== undefined && captured.length > 0) {
        attributes[ATTR_GEN_AI_OUTPUT_MESSAGES] = truncate(captured, this.config.maxAttributeLength);
      }
    }
    this.span.setAttributes(attributes);
    if (!tracked || this.run === undefined) return;
    const handle = new RecordedHandle('model_invocation', this.span.spanContext(), output?.sha256);
    // Only an invocation that answered becomes the default contributor of a final output.
    this.run.lastInvocation = handle;
    if (output === undefined) return;
    const toolCallIds = (info.toolCallIds ?? []).filter((id): id is string => typeof id === 'string');
    this.run.track({ handle, text: output.text, toolCallIds });
  }

  private outputDigest(output: unknown): OutputDigest | undefined {
    try {
      if (this.run !== undefined) return prepareContent(output, this.config.maxContentBytes);
      // Outside a run nothing tracks the answer: only its hash is read, so skip measuring it.
      return { sha256: sha256Content(output), text: undefined };
    } catch (error) {
      reportDrop('openai instrumentation', `output hash omitted: ${(error as Error).message}`);
      return undefined;
    }
  }

  private captured(content: unknown): string | undefined {
    try {
      // Always JSON (a text answer becomes a JSON string), so consumers parse one format.
      const text = JSON.stringify(content);
      return typeof text === 'string' ? truncateUtf8(text, this.config.maxCaptureBytes) : undefined;
    } catch (error) {
      reportDrop('openai instrumentation', `content not captured: ${(error as Error).message}`);
      return undefined;
    }
  }
}

/** What the output hash step yields: the hash, and the text a run tracks. */
interface OutputDigest {
  readonly sha256: string;
  readonly text: string | undefined;
}

/** `error.type`: the error's class name (`BadRequestError`, `APIConnectionError`, ...). */
function errorType(error: unknown): string | undefined {
  if (error instanceof Error) return error.constructor?.name || error.name;
  return typeof error === 'object' && error !== null ? 'object' : typeof error;
}
