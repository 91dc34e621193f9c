/**
 * The decoded OTLP trace request as the normaliser accepts it: what protobufjs `toObject`
 * produces from `ExportTraceServiceRequest` bytes, and what OTLP/JSON parses to. Both use
 * lowerCamelCase field names. Ids are bytes (Uint8Array/Buffer) from protobuf, hex strings
 * from OTLP/JSON (base64 is also tolerated); int64 arrives as number, decimal string, or a
 * Long-like `{low, high}`; enums as numbers (OTLP span kind: 0 unspecified, 1 internal, …).
 */

/** int64 as any decoder may deliver it. */
export type OtlpInt64 =
  | number
  | string
  | bigint
  | { readonly low: number; readonly high: number; readonly unsigned?: boolean };

/** Trace or span id as any decoder may deliver it. */
export type OtlpId = string | Uint8Array;

/** OTLP AnyValue (exactly one field set). */
export interface OtlpAnyValue {
  readonly stringValue?: string;
  readonly boolValue?: boolean;
  readonly intValue?: OtlpInt64;
  readonly doubleValue?: number;
  readonly arrayValue?: { readonly values?: readonly OtlpAnyValue[] };
  readonly kvlistValue?: { readonly values?: readonly OtlpKeyValue[] };
  readonly bytesValue?: Uint8Array | string;
}

/** OTLP KeyValue. */
export interface OtlpKeyValue {
  readonly key: string;
  readonly value?: OtlpAnyValue;
}

/** OTLP Span. */
export interface OtlpSpan {
  readonly traceId?: OtlpId;
  readonly spanId?: OtlpId;
  readonly traceState?: string;
  readonly parentSpanId?: OtlpId;
  readonly flags?: number;
  readonly name?: string;
  readonly kind?: number;
  readonly startTimeUnixNano?: OtlpInt64;
  readonly endTimeUnixNano?: OtlpInt64;
  readonly attributes?: readonly OtlpKeyValue[];
  readonly droppedAttributesCount?: number;
  readonly events?: readonly {
    readonly timeUnixNano?: OtlpInt64;
    readonly name?: string;
    readonly attributes?: readonly OtlpKeyValue[];
  }[];
  readonly links?: readonly {
    readonly traceId?: OtlpId;
    readonly spanId?: OtlpId;
    readonly traceState?: string;
    readonly attributes?: readonly OtlpKeyValue[];
    readonly flags?: number;
  }[];
  readonly status?: { readonly message?: string; readonly code?: number };
}

/** OTLP ExportTraceServiceRequest. */
export interface OtlpExportTraceServiceRequest {
  readonly resourceSpans?: readonly {
    readonly resource?: { readonly attributes?: readonly OtlpKeyValue[] };
    readonly scopeSpans?: readonly {
      readonly scope?: {
        readonly name?: string;
        readonly version?: string;
        readonly attributes?: readonly OtlpKeyValue[];
      };
      readonly spans?: readonly OtlpSpan[];
      readonly schemaUrl?: string;
    }[];
    readonly schemaUrl?: string;
  }[];
}
