import type protobuf from 'protobufjs';
import type { OtlpExportTraceServiceRequest } from '../span-view/otlp-types.js';
import type { OtlpExportLogsServiceRequest } from './otlp-logs-types.js';
import { otlpProtoTypes } from './otlp-schema.js';
import { OtlpDecodeError } from './receiver-errors.js';

/**
 * Decodes protobuf bytes to a plain object: only fields present on the wire, ids as the
 * Buffer slices protobufjs produced, 64-bit integers as Long `{low, high, unsigned}` (no
 * `longs` conversion: it would cost a string per timestamp and the normaliser accepts Long-likes),
 * enums as numbers. Every decoder failure, including stack exhaustion on absurd nesting,
 * becomes an `OtlpDecodeError`.
 */
function decodeWith(type: protobuf.Type, bytes: Uint8Array, what: string): unknown {
  try {
    return type.toObject(type.decode(bytes));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new OtlpDecodeError(`malformed ${what} protobuf: ${reason}`);
  }
}

/** Decodes an OTLP `ExportTraceServiceRequest` from protobuf bytes. */
export function decodeTraceRequestProtobuf(bytes: Uint8Array): OtlpExportTraceServiceRequest {
  return decodeWith(
    otlpProtoTypes().exportTraceServiceRequest,
    bytes,
    'ExportTraceServiceRequest',
  ) as OtlpExportTraceServiceRequest;
}

/** Decodes an OTLP `ExportLogsServiceRequest` from protobuf bytes. */
export function decodeLogsRequestProtobuf(bytes: Uint8Array): OtlpExportLogsServiceRequest {
  return decodeWith(
    otlpProtoTypes().exportLogsServiceRequest,
    bytes,
    'ExportLogsServiceRequest',
  ) as OtlpExportLogsServiceRequest;
}
