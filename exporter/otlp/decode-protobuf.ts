import { isUtf8 } from 'node:buffer';
import protobuf from 'protobufjs';
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
    return type.toObject(type.decode(strictUtf8Reader(bytes)));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new OtlpDecodeError(`malformed ${what} protobuf: ${reason}`);
  }
}

/**
 * A reader whose string fields must be valid UTF-8. protobufjs would replace bad bytes
 * with U+FFFD and accept the request, while OTLP/JSON (strict) refuses it: both encodings
 * must give the same answer, and a silently altered agent name is worse than a 400.
 */
function strictUtf8Reader(bytes: Uint8Array): protobuf.Reader {
  const reader = protobuf.Reader.create(bytes);
  const readBytes = reader.bytes.bind(reader);
  reader.string = () => {
    const raw = readBytes();
    if (!isUtf8(raw)) throw new OtlpDecodeError('a string field holds invalid UTF-8');
    return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
  };
  return reader;
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
