/**
 * The one normalised span shape the exporter maps. Built from an OTel JS `ReadableSpan`
 * (SDK 2.x/3.x) or from a decoded OTLP `ExportTraceServiceRequest` span; everything
 * downstream of the normaliser sees only this.
 */

/** An attribute value after normalisation (OTLP AnyValue flattened; kvlist/bytes become JSON/hex strings). */
export type AttrValue = string | number | boolean | string[] | number[] | boolean[];

/** Attributes by key. */
export type Attrs = Readonly<Record<string, AttrValue>>;

/** Span kind, as the OTel API enum: INTERNAL=0, SERVER=1, CLIENT=2, PRODUCER=3, CONSUMER=4. */
export type SpanKindValue = 0 | 1 | 2 | 3 | 4;

/** A span event. */
export interface SpanEventView {
  readonly name: string;
  /** Epoch milliseconds (fractional, sub-µs precision is not kept). */
  readonly timeMs: number;
  readonly attributes: Attrs;
}

/** A span link. */
export interface SpanLinkView {
  /** 32 lowercase hex characters. */
  readonly traceId: string;
  /** 16 lowercase hex characters. */
  readonly spanId: string;
  readonly attributes: Attrs;
}

/** A normalised span. Ids are lowercase hex; times are epoch milliseconds. */
export interface SpanView {
  readonly traceId: string;
  readonly spanId: string;
  /** Absent for a root span. */
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: SpanKindValue;
  readonly startTimeMs: number;
  readonly endTimeMs: number;
  /** 0 unset, 1 ok, 2 error. */
  readonly status: { readonly code: 0 | 1 | 2; readonly message?: string };
  readonly attributes: Attrs;
  readonly events: readonly SpanEventView[];
  readonly links: readonly SpanLinkView[];
  readonly resource: Attrs;
  readonly scope: { readonly name: string; readonly version?: string };
  /** W3C trace flags, masked to 8 bits. */
  readonly traceFlags: number;
}
