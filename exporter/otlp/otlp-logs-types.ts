import type { OtlpAnyValue, OtlpId, OtlpInt64, OtlpKeyValue } from '../span-view/otlp-types.js';

/**
 * The decoded OTLP logs request, in the same conventions as `OtlpExportTraceServiceRequest`
 * (lowerCamelCase; ids bytes from protobuf, hex strings from JSON; int64 as number, decimal
 * string or Long-like; enums as numbers). Decoded now, ingested by a later issue.
 */

/** OTLP LogRecord. */
export interface OtlpLogRecord {
  readonly timeUnixNano?: OtlpInt64;
  readonly observedTimeUnixNano?: OtlpInt64;
  readonly severityNumber?: number;
  readonly severityText?: string;
  readonly body?: OtlpAnyValue;
  readonly attributes?: readonly OtlpKeyValue[];
  readonly droppedAttributesCount?: number;
  readonly flags?: number;
  readonly traceId?: OtlpId;
  readonly spanId?: OtlpId;
  readonly eventName?: string;
}

/** OTLP ExportLogsServiceRequest. */
export interface OtlpExportLogsServiceRequest {
  readonly resourceLogs?: readonly {
    readonly resource?: {
      readonly attributes?: readonly OtlpKeyValue[];
      readonly droppedAttributesCount?: number;
    };
    readonly scopeLogs?: readonly {
      readonly scope?: {
        readonly name?: string;
        readonly version?: string;
        readonly attributes?: readonly OtlpKeyValue[];
        readonly droppedAttributesCount?: number;
      };
      readonly logRecords?: readonly OtlpLogRecord[];
      readonly schemaUrl?: string;
    }[];
    readonly schemaUrl?: string;
  }[];
}
