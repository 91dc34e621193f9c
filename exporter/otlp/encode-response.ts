import type protobuf from 'protobufjs';
import { otlpProtoTypes } from './otlp-schema.js';

/** The two OTLP/HTTP body encodings; gRPC always uses protobuf. */
export type OtlpEncoding = 'protobuf' | 'json';

/** What ingest reported for an accepted request. */
export interface ExportTracesResult {
  /** Spans that were not stored (invalid); 0 = full success. */
  readonly rejectedSpans: number;
  /** Why spans were rejected, or a warning. */
  readonly errorMessage?: string;
}

/** What ingest reported for an accepted logs request. */
export interface ExportLogsResult {
  /** Log records that were not kept (unreadable, no span to join, run already finalised). */
  readonly rejectedLogRecords: number;
  readonly errorMessage?: string;
}

const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

/**
 * Encodes an Export*ServiceResponse with the count under `field`. Full success is the empty
 * message (zero bytes / `{}`): the spec says `partial_success` must not be set then, and some
 * clients warn on an empty one. In JSON the int64 count is a decimal string (proto3 JSON).
 */
function encodePartialSuccess(
  type: () => protobuf.Type,
  field: 'rejectedSpans' | 'rejectedLogRecords',
  rejected: number,
  errorMessage: string | undefined,
  encoding: OtlpEncoding,
): Uint8Array {
  const partial = rejected > 0 || (errorMessage !== undefined && errorMessage !== '');
  if (encoding === 'json') {
    const body = partial
      ? { partialSuccess: { [field]: String(rejected), errorMessage: errorMessage ?? '' } }
      : {};
    return Buffer.from(JSON.stringify(body));
  }
  if (!partial) return new Uint8Array(0);
  const t = type();
  return t
    .encode(t.fromObject({ partialSuccess: { [field]: rejected, errorMessage: errorMessage ?? '' } }))
    .finish();
}

/** Encodes `ExportTraceServiceResponse` (see encodePartialSuccess). */
export function encodeTraceResponse(result: ExportTracesResult, encoding: OtlpEncoding): Uint8Array {
  return encodePartialSuccess(
    () => otlpProtoTypes().exportTraceServiceResponse,
    'rejectedSpans',
    result.rejectedSpans,
    result.errorMessage,
    encoding,
  );
}

/** Encodes `ExportLogsServiceResponse` (see encodePartialSuccess). */
export function encodeLogsResponse(result: ExportLogsResult, encoding: OtlpEncoding): Uint8Array {
  return encodePartialSuccess(
    () => otlpProtoTypes().exportLogsServiceResponse,
    'rejectedLogRecords',
    result.rejectedLogRecords,
    result.errorMessage,
    encoding,
  );
}

/** Decodes `ExportLogsServiceResponse` protobuf (tests). */
export function decodeLogsResponse(bytes: Uint8Array): ExportLogsResult {
  const type = otlpProtoTypes().exportLogsServiceResponse;
  const o = type.toObject(type.decode(bytes), { longs: Number }) as {
    partialSuccess?: { rejectedLogRecords?: number; errorMessage?: string };
  };
  const p = o.partialSuccess;
  return p?.errorMessage
    ? { rejectedLogRecords: p.rejectedLogRecords ?? 0, errorMessage: p.errorMessage }
    : { rejectedLogRecords: p?.rejectedLogRecords ?? 0 };
}

/** Decodes `ExportTraceServiceResponse` protobuf (used by tests and the bench client). */
export function decodeTraceResponse(bytes: Uint8Array): ExportTracesResult {
  const type = otlpProtoTypes().exportTraceServiceResponse;
  const o = type.toObject(type.decode(bytes), { longs: Number }) as {
    partialSuccess?: { rejectedSpans?: number; errorMessage?: string };
  };
  const p = o.partialSuccess;
  return p?.errorMessage
    ? { rejectedSpans: p.rejectedSpans ?? 0, errorMessage: p.errorMessage }
    : { rejectedSpans: p?.rejectedSpans ?? 0 };
}

/** Encodes `google.protobuf.Duration`-carrying `google.rpc.RetryInfo` for a back-off hint. */
export function encodeRetryInfo(retryAfterSeconds: number): Uint8Array {
  const type = otlpProtoTypes().retryInfo;
  return type.encode(type.fromObject({ retryDelay: { seconds: retryAfterSeconds } })).finish();
}

/**
 * Encodes the `google.rpc.Status` that OTLP error responses carry (HTTP body; gRPC
 * `grpc-status-details-bin`), with a `RetryInfo` detail when the client should back off.
 */
export function encodeRpcStatus(
  status: { readonly code: number; readonly message: string; readonly retryAfterSeconds?: number },
  encoding: OtlpEncoding,
): Uint8Array {
  const retry = status.retryAfterSeconds;
  if (encoding === 'json') {
    const details =
      retry === undefined ? undefined : [{ '@type': RETRY_INFO_TYPE_URL, retryDelay: `${retry}s` }];
    return Buffer.from(JSON.stringify({ code: status.code, message: status.message, details }));
  }
  const type = otlpProtoTypes().rpcStatus;
  const details =
    retry === undefined ? [] : [{ typeUrl: RETRY_INFO_TYPE_URL, value: encodeRetryInfo(retry) }];
  return type.encode(type.fromObject({ code: status.code, message: status.message, details })).finish();
}
