import type { RejectedSpan } from '../model/lineage-record.js';

/** Stable reason codes for a span the normalisers refuse (counted in metrics). */
export type SpanRejectReason =
  | 'invalid_trace_id'
  | 'invalid_span_id'
  | 'invalid_parent_span_id'
  | 'invalid_link'
  | 'invalid_time'
  | 'invalid_name'
  | 'invalid_span'
  | 'attribute_limit'
  | 'event_limit'
  | 'link_limit';

/**
 * Thrown inside the conversion of ONE span and caught at that span's boundary, so a bad
 * span becomes a `RejectedSpan` and never escapes into its batch.
 */
export class SpanRejection extends Error {
  readonly reason: SpanRejectReason;

  constructor(reason: SpanRejectReason, message: string) {
    super(message);
    this.name = 'SpanRejection';
    this.reason = reason;
  }
}

/**
 * Turns whatever a per-span conversion threw into a `RejectedSpan`. Unexpected errors
 * (a bug, a hostile getter) are reported as `invalid_span` rather than rethrown.
 */
export function toRejectedSpan(error: unknown, traceId?: string, spanId?: string): RejectedSpan {
  const reason = error instanceof SpanRejection ? error.reason : 'invalid_span';
  const message = error instanceof Error ? error.message : String(error);
  return {
    ...(traceId !== undefined ? { traceId } : {}),
    ...(spanId !== undefined ? { spanId } : {}),
    reason,
    message,
  };
}
