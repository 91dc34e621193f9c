import type { RejectedSpan } from '../model/lineage-record.js';
import type { SpanEventView, SpanKindValue, SpanLinkView, SpanView } from '../model/span-view.js';
import { normaliseSdkAttributes } from './attribute-values.js';
import type { ViewsResult } from './from-otlp.js';
import { readId } from './hex-id.js';
import { SpanRejection, toRejectedSpan } from './span-rejection.js';
import { resolveSpanViewLimits, type SpanViewLimits } from './span-view-limits.js';
import { toWellFormed } from './well-formed-string.js';

/**
 * A time as OTel JS SDKs hold it: `HrTime` `[seconds, nanos]` (1.x, 2.x), and, defensively
 * for later majors, epoch milliseconds, bigint epoch nanoseconds or a `Date`.
 */
export type TimeLike = readonly [number, number] | number | bigint | Date;

/** The parts of a `SpanContext` the view needs. */
export interface SpanContextLike {
  readonly traceId: string;
  readonly spanId: string;
  readonly traceFlags?: number;
}

/** Attributes as the SDK holds them. */
export type SdkAttributesLike = Readonly<Record<string, unknown>>;

/** Instrumentation scope (2.x) or library (1.x). */
export interface ScopeLike {
  readonly name: string;
  readonly version?: string;
}

/**
 * The structural subset of an OTel JS SDK `ReadableSpan` this module reads, accepting
 * the 1.x, 2.x and (defensively) 3.x shapes: `spanContext` as a method (1.x/2.x) or a
 * plain object, the parent as `parentSpanContext` (2.x) or `parentSpanId` (1.x), the
 * scope as `instrumentationScope` (2.x) or `instrumentationLibrary` (1.x), resource
 * attributes on `resource.attributes`.
 */
export interface ReadableSpanLike {
  readonly name: string;
  readonly kind?: number;
  readonly spanContext: (() => SpanContextLike) | SpanContextLike;
  readonly parentSpanContext?: SpanContextLike;
  readonly parentSpanId?: string;
  readonly startTime: TimeLike;
  readonly endTime: TimeLike;
  readonly status?: { readonly code?: number; readonly message?: string };
  readonly attributes?: SdkAttributesLike;
  readonly links?: readonly { readonly context: SpanContextLike; readonly attributes?: SdkAttributesLike }[];
  readonly events?: readonly {
    readonly name: string;
    readonly time: TimeLike;
    readonly attributes?: SdkAttributesLike;
  }[];
  readonly resource?: { readonly attributes?: SdkAttributesLike };
  readonly instrumentationScope?: ScopeLike;
  readonly instrumentationLibrary?: ScopeLike;
}

/** Options of the ReadableSpan normaliser. */
export interface ReadableSpanToViewOptions {
  /** Per-span bounds; unset fields take `DEFAULT_SPAN_VIEW_LIMITS`. */
  readonly limits?: Partial<SpanViewLimits>;
}

/** One span's outcome. */
export type ViewResult =
  | { readonly ok: true; readonly view: SpanView }
  | { readonly ok: false; readonly rejected: RejectedSpan };

/** Epoch ms, or undefined when the value is not a sane positive time. */
function toMs(time: unknown): number | undefined {
  let ms: number;
  if (Array.isArray(time) && time.length === 2) {
    const [sec, nanos] = time as unknown[];
    if (typeof sec !== 'number' || typeof nanos !== 'number') return undefined;
    ms = sec * 1000 + nanos / 1e6;
  } else if (typeof time === 'number') {
    ms = time;
  } else if (typeof time === 'bigint') {
    ms = Number(time / 1000n) / 1000;
  } else if (time instanceof Date) {
    ms = time.getTime();
  } else {
    return undefined;
  }
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}

function contextOf(span: ReadableSpanLike): SpanContextLike | undefined {
  const sc = span.spanContext;
  const context = typeof sc === 'function' ? sc.call(span) : sc;
  return context !== null && typeof context === 'object' ? context : undefined;
}

function kindOf(kind: unknown): SpanKindValue {
  return typeof kind === 'number' && Number.isInteger(kind) && kind >= 0 && kind <= 4
    ? (kind as SpanKindValue)
    : 0;
}

function convert(span: ReadableSpanLike, limits: SpanViewLimits): SpanView {
  const context = contextOf(span);
  const trace = readId(context?.traceId, 16);
  if (!trace.ok) throw new SpanRejection('invalid_trace_id', `trace id: ${trace.message}`);
  const own = readId(context?.spanId, 8);
  if (!own.ok) throw new SpanRejection('invalid_span_id', `span id: ${own.message}`);
  const parent = readId(span.parentSpanContext?.spanId ?? span.parentSpanId, 8);
  if (!parent.ok && !parent.absent) {
    throw new SpanRejection('invalid_parent_span_id', `parent span id: ${parent.message}`);
  }
  if (typeof span.name !== 'string') throw new SpanRejection('invalid_name', 'span name is not a string');

  const startTimeMs = toMs(span.startTime);
  const endTimeMs = toMs(span.endTime);
  if (startTimeMs === undefined) throw new SpanRejection('invalid_time', 'start time is not a valid time');
  if (endTimeMs === undefined) throw new SpanRejection('invalid_time', 'end time is not a valid time');
  if (endTimeMs < startTimeMs) {
    throw new SpanRejection('invalid_time', `end time ${endTimeMs} is before start time ${startTimeMs}`);
  }

  const rawEvents = span.events ?? [];
  if (rawEvents.length > limits.maxEventsPerSpan) {
    throw new SpanRejection('event_limit', `${rawEvents.length} events exceed ${limits.maxEventsPerSpan}`);
  }
  const rawLinks = span.links ?? [];
  if (rawLinks.length > limits.maxLinksPerSpan) {
    throw new SpanRejection('link_limit', `${rawLinks.length} links exceed ${limits.maxLinksPerSpan}`);
  }
  const events: SpanEventView[] = rawEvents.map((event, i) => ({
    name: toWellFormed(String(event?.name ?? '')),
    timeMs: toMs(event?.time) ?? startTimeMs,
    attributes: normaliseSdkAttributes(event?.attributes, limits, `event ${i}`),
  }));
  const links: SpanLinkView[] = rawLinks.map((link, i) => {
    const linkTrace = readId(link?.context?.traceId, 16);
    const linkSpan = readId(link?.context?.spanId, 8);
    if (!linkTrace.ok) throw new SpanRejection('invalid_link', `link ${i}: trace id ${linkTrace.message}`);
    if (!linkSpan.ok) throw new SpanRejection('invalid_link', `link ${i}: span id ${linkSpan.message}`);
    return {
      traceId: linkTrace.hex,
      spanId: linkSpan.hex,
      attributes: normaliseSdkAttributes(link.attributes, limits, `link ${i}`),
    };
  });
  const scope = span.instrumentationScope ?? span.instrumentationLibrary;
  const code = span.status?.code;
  const message = span.status?.message;
  const flags = context?.traceFlags;
  return {
    traceId: trace.hex,
    spanId: own.hex,
    ...(parent.ok ? { parentSpanId: parent.hex } : {}),
    name: toWellFormed(span.name),
    kind: kindOf(span.kind),
    startTimeMs,
    endTimeMs,
    status: {
      code: code === 1 || code === 2 ? code : 0,
      ...(typeof message === 'string' && message !== '' ? { message: toWellFormed(message) } : {}),
    },
    attributes: normaliseSdkAttributes(span.attributes, limits, 'span attributes'),
    events,
    links,
    resource: normaliseSdkAttributes(span.resource?.attributes, limits, 'resource'),
    scope: {
      name: toWellFormed(String(scope?.name ?? '')),
      ...(typeof scope?.version === 'string' && scope.version !== ''
        ? { version: toWellFormed(scope.version) }
        : {}),
    },
    traceFlags: typeof flags === 'number' && Number.isFinite(flags) ? flags & 0xff : 0,
  };
}

function safeIds(span: ReadableSpanLike): { traceId?: string; spanId?: string } {
  try {
    const context = contextOf(span);
    const trace = readId(context?.traceId, 16);
    const own = readId(context?.spanId, 8);
    return { ...(trace.ok ? { traceId: trace.hex } : {}), ...(own.ok ? { spanId: own.hex } : {}) };
  } catch {
    // A throwing spanContext() is already reported by the rejection itself.
    return {};
  }
}

/**
 * Normalises one OTel JS SDK `ReadableSpan` (1.x, 2.x or 3.x shape) into a `SpanView`.
 * Pure; never throws: invalid ids, times or over-limit attributes yield `ok: false` with
 * a `RejectedSpan`. Same validation and time policy as `otlpRequestToViews`.
 */
export function readableSpanToView(
  span: ReadableSpanLike,
  options: ReadableSpanToViewOptions = {},
): ViewResult {
  const limits = resolveSpanViewLimits(options.limits);
  try {
    if (span === null || typeof span !== 'object') {
      throw new SpanRejection('invalid_span', 'span is not an object');
    }
    return { ok: true, view: convert(span, limits) };
  } catch (error) {
    const ids = span !== null && typeof span === 'object' ? safeIds(span) : {};
    return { ok: false, rejected: toRejectedSpan(error, ids.traceId, ids.spanId) };
  }
}

/** Normalises a batch of `ReadableSpan`s; each bad span is rejected alone. */
export function readableSpansToViews(
  spans: readonly ReadableSpanLike[],
  options: ReadableSpanToViewOptions = {},
): ViewsResult {
  const views: SpanView[] = [];
  const rejected: RejectedSpan[] = [];
  for (const span of spans) {
    const result = readableSpanToView(span, options);
    if (result.ok) views.push(result.view);
    else rejected.push(result.rejected);
  }
  return { views, rejected };
}
