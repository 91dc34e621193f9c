import type { RejectedSpan } from '../model/lineage-record.js';
import type { Attrs, SpanEventView, SpanKindValue, SpanLinkView, SpanView } from '../model/span-view.js';
import { flattenOtlpAttributes } from './attribute-values.js';
import { readId } from './hex-id.js';
import { int64ToBigInt, nanosToMs } from './int64.js';
import type { OtlpExportTraceServiceRequest, OtlpId, OtlpSpan } from './otlp-types.js';
import { SpanRejection, toRejectedSpan } from './span-rejection.js';
import { resolveSpanViewLimits, type SpanViewLimits } from './span-view-limits.js';
import { toWellFormed } from './well-formed-string.js';

/** Options of `otlpRequestToViews`. */
export interface OtlpToViewsOptions {
  /** Per-span bounds; unset fields take `DEFAULT_SPAN_VIEW_LIMITS`. */
  readonly limits?: Partial<SpanViewLimits>;
}

/** Spans that normalised, and the ones rejected (each alone, with a reason code). */
export interface ViewsResult {
  readonly views: SpanView[];
  readonly rejected: RejectedSpan[];
}

/** OTLP span kind is the API enum shifted by one (0 = unspecified); unspecified and unknown map to INTERNAL. */
function otlpKind(kind: unknown): SpanKindValue {
  if (typeof kind !== 'number' || !Number.isInteger(kind) || kind < 1 || kind > 5) return 0;
  return (kind - 1) as SpanKindValue;
}

function statusCode(code: unknown): 0 | 1 | 2 {
  return code === 1 || code === 2 ? code : 0;
}

function idOf(value: OtlpId | undefined, bytes: 8 | 16): string | undefined {
  const result = readId(value, bytes);
  return result.ok ? result.hex : undefined;
}

function requireId(value: unknown, bytes: 8 | 16, reason: 'invalid_trace_id' | 'invalid_span_id'): string {
  const result = readId(value, bytes);
  if (!result.ok) throw new SpanRejection(reason, `${reason.slice(8).replace('_', ' ')}: ${result.message}`);
  return result.hex;
}

/** Epoch ms from unix nanos; undefined when missing, non-integer, zero or negative. */
function timeMs(value: unknown): number | undefined {
  const nanos = int64ToBigInt(value);
  if (nanos === undefined || nanos <= 0n) return undefined;
  return nanosToMs(nanos);
}

/**
 * Converts one OTLP span. Time policy: a span without a valid start or end, or ending
 * before it starts, is REJECTED (`invalid_time`), not clamped — lineage orders steps by
 * time, and a clamped span would assert an order nobody observed. An event with an
 * unreadable time is kept at the span's start instead, as events only annotate the span.
 */
function convertSpan(
  span: OtlpSpan,
  resource: Attrs,
  scope: SpanView['scope'],
  limits: SpanViewLimits,
): SpanView {
  if (span === null || typeof span !== 'object')
    throw new SpanRejection('invalid_span', 'span is not an object');
  const traceId = requireId(span.traceId, 16, 'invalid_trace_id');
  const spanId = requireId(span.spanId, 8, 'invalid_span_id');
  const parent = readId(span.parentSpanId, 8);
  if (!parent.ok && !parent.absent) {
    throw new SpanRejection('invalid_parent_span_id', `parent span id: ${parent.message}`);
  }
  if (typeof span.name !== 'string') throw new SpanRejection('invalid_name', 'span name is not a string');

  const startTimeMs = timeMs(span.startTimeUnixNano);
  const endTimeMs = timeMs(span.endTimeUnixNano);
  if (startTimeMs === undefined)
    throw new SpanRejection('invalid_time', 'start time missing or not a positive int64');
  if (endTimeMs === undefined)
    throw new SpanRejection('invalid_time', 'end time missing or not a positive int64');
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
    timeMs: timeMs(event?.timeUnixNano) ?? startTimeMs,
    attributes: flattenOtlpAttributes(event?.attributes, limits, `event ${i}`),
  }));
  const links: SpanLinkView[] = rawLinks.map((link, i) => {
    const linkTrace = readId(link?.traceId, 16);
    const linkSpan = readId(link?.spanId, 8);
    if (!linkTrace.ok) throw new SpanRejection('invalid_link', `link ${i}: trace id ${linkTrace.message}`);
    if (!linkSpan.ok) throw new SpanRejection('invalid_link', `link ${i}: span id ${linkSpan.message}`);
    return {
      traceId: linkTrace.hex,
      spanId: linkSpan.hex,
      attributes: flattenOtlpAttributes(link.attributes, limits, `link ${i}`),
    };
  });

  const statusMessage = span.status?.message;
  return {
    traceId,
    spanId,
    ...(parent.ok ? { parentSpanId: parent.hex } : {}),
    name: toWellFormed(span.name),
    kind: otlpKind(span.kind),
    startTimeMs,
    endTimeMs,
    status: {
      code: statusCode(span.status?.code),
      ...(typeof statusMessage === 'string' && statusMessage !== ''
        ? { message: toWellFormed(statusMessage) }
        : {}),
    },
    attributes: flattenOtlpAttributes(span.attributes, limits, 'span attributes'),
    events,
    links,
    resource,
    scope,
    traceFlags: typeof span.flags === 'number' && Number.isFinite(span.flags) ? span.flags & 0xff : 0,
  };
}

/**
 * Normalises a decoded OTLP `ExportTraceServiceRequest` (protobufjs `toObject` output or
 * parsed OTLP/JSON) into `SpanView`s. Pure; never throws: a span that fails validation
 * (ids, times, name, limits) is rejected alone with a stable reason code, and a resource
 * or scope that fails rejects only the spans under it.
 */
export function otlpRequestToViews(
  request: OtlpExportTraceServiceRequest,
  options: OtlpToViewsOptions = {},
): ViewsResult {
  const limits = resolveSpanViewLimits(options.limits);
  const views: SpanView[] = [];
  const rejected: RejectedSpan[] = [];
  const resourceSpans = Array.isArray(request?.resourceSpans) ? request.resourceSpans : [];
  for (const rs of resourceSpans) {
    const scopeSpans = Array.isArray(rs?.scopeSpans) ? rs.scopeSpans : [];
    let resource: Attrs | undefined;
    let resourceError: unknown;
    try {
      resource = flattenOtlpAttributes(rs?.resource?.attributes, limits, 'resource');
    } catch (error) {
      resourceError = error;
    }
    for (const ss of scopeSpans) {
      const spans = Array.isArray(ss?.spans) ? ss.spans : [];
      const scope: SpanView['scope'] = {
        name: toWellFormed(String(ss?.scope?.name ?? '')),
        ...(typeof ss?.scope?.version === 'string' && ss.scope.version !== ''
          ? { version: toWellFormed(ss.scope.version) }
          : {}),
      };
      for (const span of spans) {
        try {
          if (resource === undefined) throw resourceError;
          views.push(convertSpan(span, resource, scope, limits));
        } catch (error) {
          rejected.push(toRejectedSpan(error, idOf(span?.traceId, 16), idOf(span?.spanId, 8)));
        }
      }
    }
  }
  return { views, rejected };
}
