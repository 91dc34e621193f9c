import { type Attributes, type Context, context, type Tracer } from '@opentelemetry/api';
import { anyFrameworkModelCallOpen, isFrameworkModelCall } from '../../src/framework-model-calls.js';
import { sha256JsonAsSent } from '../../src/hashing/sha256.js';
import { reportFailure } from '../../src/report.js';
import { observeApiPromise, type ResultObserver } from './api-promise.js';
import { ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT } from './attributes.js';
import { ChatStreamAccumulator, chatRequest, chatResponse } from './chat.js';
import { embeddingsRequest, embeddingsResponse } from './embeddings.js';
import { type InvocationRequest, type InvocationResponse, OpenAiInvocation } from './invocation.js';
import { ResponsesStreamAccumulator, responsesRequest, responsesResponse } from './responses.js';
import { observeStream } from './stream.js';
import { type Dict, dict } from './types.js';

/** The OpenAI APIs this instrumentation records. */
export type OpenAiApi = 'chat' | 'responses' | 'embeddings';

/** A resource method as the client defines it (`create(body, options)`). */
export type CreateMethod = (this: unknown, ...args: unknown[]) => unknown;

/** What a patched method needs from the instrumentation at call time. */
export interface PatchHost {
  /** The tracer to start spans with (it can change with `setTracerProvider`). */
  tracer(): Tracer;
  /** Whether message content is captured. */
  captureContent(): boolean;
}

/** Marks our wrappers (value: the wrapped original), so nothing is instrumented twice. */
export const WRAPPED = Symbol.for('agent-lineage.instrumentation-openai.wrapped');

/** True when the function is one of our wrappers. */
export function isWrapped(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as { [WRAPPED]?: unknown })[WRAPPED] !== undefined;
}

/**
 * Wraps one `create` method. The original always runs with the caller's arguments and its
 * return value (an `APIPromise`) is returned as the same object; failures while building
 * telemetry are reported through diag and never reach the caller.
 */
export function patchCreate(api: OpenAiApi, original: CreateMethod, host: PatchHost): CreateMethod {
  const patched = function create(this: unknown, ...args: unknown[]): unknown {
    const call = startCall(api, host, args[0], this);
    if (call === undefined) return original.apply(this, args);
    let result: unknown;
    try {
      // Reflect.apply as the callback: `with(ctx, original, this)` would bind a new function per call.
      result = context.with(call.ctx, Reflect.apply, undefined, original, this, args);
    } catch (error) {
      call.fail(error);
      throw error;
    }
    try {
      if (!observeApiPromise(result, call)) call.end();
    } catch (error) {
      reportFailure(`openai instrumentation: observing ${api}`, error);
      call.end();
    }
    return result;
  };
  Object.defineProperty(patched, WRAPPED, { value: original });
  return patched;
}

/** Starts the span of one call; undefined (the call runs unobserved) when the body is not an object or recording failed. */
function startCall(
  api: OpenAiApi,
  host: PatchHost,
  body: unknown,
  resource: unknown,
): PatchedCall | undefined {
  const params = dict(body);
  if (params === undefined) return undefined;
  try {
    if (api === 'chat' && recordedByFramework(params.messages)) return undefined;
    return new PatchedCall(
      api,
      params.stream === true && api !== 'embeddings',
      host.tracer(),
      mapRequest(api, params),
      serverAttributes(resource),
      context.active(),
      host.captureContent(),
    );
  } catch (error) {
    reportFailure(`openai instrumentation: starting ${api}`, error);
    return undefined;
  }
}

/**
 * One patched call: the invocation is also the observer of its `APIPromise`, so a call
 * allocates no callback objects or closures of its own.
 */
class PatchedCall extends OpenAiInvocation implements ResultObserver {
  /**
   * Last sign of life (the answer's arrival, a stream chunk) while the call waits on something
   * the caller holds and is registered with {@link abandoned}; undefined otherwise.
   */
  private lastSeen: number | undefined;

  constructor(
    private readonly api: OpenAiApi,
    private readonly streamed: boolean,
    tracer: Tracer,
    request: InvocationRequest,
    server: Attributes,
    parent: Context,
    captureContent: boolean,
  ) {
    super(tracer, request, server, parent, captureContent, streamed);
  }

  /** The parsed value the caller receives: a response, or a `Stream` for stream requests. */
  onValue(value: unknown): void {
    if (this.streamed) this.followStream(value);
    else this.succeed(mapResponse(this.api, value));
  }

  /** The request or the parsing failed. */
  onError(error: unknown): void {
    this.fail(error);
  }

  /**
   * The answer arrived unparsed (`asResponse()`, a dropped promise, or a parse still to come).
   * Reading the body here would take it from the caller, so the span waits for a parse; once
   * the caller's promise is garbage-collected without one, it ends at the arrival time.
   */
  onUnread(promise: object): void {
    this.watch(promise);
  }

  /** A stream request's value is a `Stream`: the span ends when the caller finishes reading it. */
  private followStream(value: unknown): void {
    const acc = this.api === 'chat' ? new ChatStreamAccumulator() : new ResponsesStreamAccumulator();
    const observed = observeStream(value, {
      onChunk: (chunk) => {
        if (this.lastSeen !== undefined) this.lastSeen = performance.now();
        if (acc.add(chunk)) this.firstToken();
      },
      onEnd: (error, failed) => (failed ? this.fail(error) : this.succeed(acc.result())),
    });
    // Not a stream after all (or frozen): record it as a whole response.
    if (!observed) this.succeed(mapResponse(this.api, value));
    // A stream the caller drops unfinished ends its span when collected, at its last chunk.
    else this.watch(value as object);
  }

  /**
   * Ends the span, at the last sign of life, once `target` (what the caller holds: the
   * promise of an unparsed answer, an unfinished stream) is garbage-collected while the call
   * is still open. Replaces an earlier watch (a promise parsed late into a stream).
   */
  private watch(target: object): void {
    if (this.lastSeen !== undefined) abandoned.unregister(this);
    this.lastSeen = performance.now();
    abandoned.register(target, this, this);
  }

  override end(): void {
    if (this.lastSeen !== undefined) {
      abandoned.unregister(this);
      this.lastSeen = undefined;
    }
    super.end();
  }

  /** Called by {@link abandoned} once what the caller held is gone with the call still open. */
  endAbandoned(): void {
    if (this.lastSeen !== undefined) this.endAt(this.lastSeen);
  }
}

/** Ends the spans of calls abandoned open: an answer never parsed, a stream never finished. */
const abandoned = new FinalizationRegistry<PatchedCall>((call) => call.endAbandoned());

/**
 * Whether a framework instrumentation (our LangChain tracer) is recording this very request
 * as a model invocation right now — same operation, same input hash — so that recording it
 * here too would count one call twice. Costs one comparison unless a framework call is open.
 */
function recordedByFramework(messages: unknown): boolean {
  if (messages === undefined || !anyFrameworkModelCallOpen()) return false;
  try {
    return isFrameworkModelCall('chat', sha256JsonAsSent(messages));
  } catch {
    // No canonical form, so no framework span has this hash: record the call as usual.
    return false;
  }
}

function mapRequest(api: OpenAiApi, params: Dict): InvocationRequest {
  if (api === 'chat') return chatRequest(params);
  if (api === 'responses') return responsesRequest(params);
  return embeddingsRequest(params);
}

function mapResponse(api: OpenAiApi, value: unknown): InvocationResponse | undefined {
  if (api === 'chat') return chatResponse(value);
  if (api === 'responses') return responsesResponse(value);
  return embeddingsResponse(value);
}

/** `server.address` / `server.port` of the client's base URL, parsed once per URL. */
const serverCache = new Map<string, Attributes>();
const SERVER_CACHE_LIMIT = 32;
const NO_ATTRIBUTES: Attributes = Object.freeze({});

function serverAttributes(resource: unknown): Attributes {
  const client = (resource as { _client?: { baseURL?: unknown } } | null)?._client;
  const baseURL = client?.baseURL;
  if (typeof baseURL !== 'string') return NO_ATTRIBUTES;
  let attributes = serverCache.get(baseURL);
  if (attributes === undefined) {
    attributes = parseServer(baseURL);
    if (serverCache.size >= SERVER_CACHE_LIMIT) serverCache.clear();
    serverCache.set(baseURL, attributes);
  }
  return attributes;
}

function parseServer(baseURL: string): Attributes {
  try {
    const url = new URL(baseURL);
    const port = url.port === '' ? (url.protocol === 'http:' ? 80 : 443) : Number(url.port);
    return Object.freeze({ [ATTR_SERVER_ADDRESS]: url.hostname, [ATTR_SERVER_PORT]: port });
  } catch {
    return NO_ATTRIBUTES;
  }
}
