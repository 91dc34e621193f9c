/**
 * Bounds the normalisers enforce on every span. A span over any bound is rejected alone
 * (reason `attribute_limit`, `event_limit` or `link_limit`) instead of being truncated,
 * because a silently truncated span would yield lineage that looks complete but is not.
 */
export interface SpanViewLimits {
  /** Most attributes one span (or one event / link) may carry. Default 4096: OpenInference flattens whole conversations into attributes. */
  readonly maxAttributesPerSpan: number;
  /** Longest attribute value, in UTF-16 code units (arrays: summed over elements; kvlists: their JSON). Default 1 MiB. */
  readonly maxAttributeValueLength: number;
  /** Most events per span. Default 4096. */
  readonly maxEventsPerSpan: number;
  /** Most links per span. Default 1024. */
  readonly maxLinksPerSpan: number;
  /** Deepest nesting of OTLP arrays / kvlists inside one value. Default 16 (also stops cyclic objects). */
  readonly maxValueDepth: number;
}

/** The documented defaults. */
export const DEFAULT_SPAN_VIEW_LIMITS: SpanViewLimits = Object.freeze({
  maxAttributesPerSpan: 4096,
  maxAttributeValueLength: 1024 * 1024,
  maxEventsPerSpan: 4096,
  maxLinksPerSpan: 1024,
  maxValueDepth: 16,
});

/** Fills unset limits with the defaults. */
export function resolveSpanViewLimits(limits?: Partial<SpanViewLimits>): SpanViewLimits {
  return { ...DEFAULT_SPAN_VIEW_LIMITS, ...limits };
}
